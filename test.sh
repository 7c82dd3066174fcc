#!/usr/bin/env bash
# Installs what the tests need (system packages via apt-get), then restores, builds Release and runs every
# test in Acd.sln. Exits non-zero on any failure. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/sbin:/sbin"   # kamailio and redis-server live in sbin on Debian

# System packages the test suite talks to for real (loopback only).
#   redis-server: routing store contract/fault tests    sip-tester: SIPp scenarios    baresip-core: real softphone
#   sox, espeak-ng: audio fixtures (DTMF tones, speech)   prometheus: promtool checks of deploy/prometheus
#   kamailio: the dispatcher in front of two Acd nodes (deploy/kamailio)
packages=(redis-server sip-tester baresip-core sox espeak-ng prometheus kamailio)
binaries=(redis-server sipp baresip sox espeak-ng promtool kamailio)
missing=()
for i in "${!packages[@]}"; do
  command -v "${binaries[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet restore Acd.sln
dotnet build Acd.sln -c Release --no-restore

results=$(mktemp -d)
status=0
dotnet test Acd.sln -c Release --no-build --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line for the whole solution, summed over every test assembly's TRX report.
for f in "$results"/*.trx; do [ -f "$f" ] && grep -o '<Counters [^>]*>' "$f"; done | awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "=\""); v = kv[2]; sub(/".*/, "", v)
      if (kv[1] == "passed") p += v; else if (kv[1] == "failed" || kv[1] == "error" || kv[1] == "timeout") f += v
      else if (kv[1] == "notExecuted") s += v } }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }'
exit $status
