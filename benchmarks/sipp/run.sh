#!/usr/bin/env bash
# Signalling load: SIPp against Acd (tests/Acd.SipTestServer: transport + UA core + registrar + digest auth)
# and, in the same run, SIPp against SIPp's own UAS on the same box. Prints one line per workload with the
# achieved rate, failures and the Acd/baseline ratio.
#   benchmarks/sipp/run.sh            # defaults: 30000 calls per run, offered rate 8000/s
#   CALLS=60000 RATE=12000 benchmarks/sipp/run.sh
#   WORKLOADS="calls" RATE=4000 benchmarks/sipp/run.sh     # any of: options register calls
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CALLS=${CALLS:-30000}
RATE=${RATE:-8000}
WORKLOADS=${WORKLOADS:-options register calls}
want() { [[ " $WORKLOADS " == *" $1 "* ]]; }
BUF=4194304
WORK=$(mktemp -d)
trap 'stop_all; rm -rf "$WORK"' EXIT

dotnet build "$ROOT/tests/Acd.SipTestServer" -c Release -v q -nologo >/dev/null
SERVER="$ROOT/tests/Acd.SipTestServer/bin/Release/net10.0/Acd.SipTestServer.dll"

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run_uac <label> <scenario> <target> [extra sipp args...]: prints "<calls_ok> <calls_failed> <seconds>"
run_uac() {
  local label=$1 scenario=$2 target=$3; shift 3
  local start end out
  out="$WORK/$label.out"
  start=$(date +%s.%N)
  (cd "$WORK" && sipp -sf "$HERE/$scenario" "$target" -i 127.0.0.1 -p "$(port)" -ci 127.0.0.1 -cp "$(port)" \
      -m "$CALLS" -r "$RATE" -l 20000 -buff_size $BUF -nostdin -timeout 120s -timeout_error -max_socket 1 "$@" >"$out" 2>&1) || true
  end=$(date +%s.%N)
  local ok failed
  ok=$(grep -E "^ +Successful call" "$out" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  failed=$(grep -E "^ +Failed call" "$out" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  echo "${ok:-0} ${failed:-0} $(echo "$end - $start" | bc)"
}

PIDS=()
# start_sipp_uas <args...>: SIPp UAS in the background on a free port (sets UAS_PORT)
start_sipp_uas() {
  UAS_PORT=$(port)
  (cd "$WORK" && exec sipp "$@" -i 127.0.0.1 -p "$UAS_PORT" -ci 127.0.0.1 -cp "$(port)" -buff_size $BUF -nostdin >/dev/null 2>&1) &
  PIDS+=($!)
  sleep 0.5
}

# start_acd <server args...>: the Acd test host in the background on a free port (sets ACD_PORT)
start_acd() {
  ACD_PORT=$(port)
  : >"$WORK/acd.log"
  dotnet "$SERVER" --udp "127.0.0.1:$ACD_PORT" "$@" <"$WORK/stdin" >"$WORK/acd.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do grep -q READY "$WORK/acd.log" && break; sleep 0.1; done
}

stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }

report() { # label acd_result base_result unit_per_call
  local label=$1 unit=$4
  read -r aok afail asec <<<"$2"; read -r bok bfail bsec <<<"$3"
  awk -v l="$label" -v aok="$aok" -v af="$afail" -v as="$asec" -v bok="$bok" -v bf="$bfail" -v bs="$bsec" -v u="$unit" 'BEGIN {
    ar = aok * u / as; br = bok * u / bs;
    printf "%-28s acd %8.0f/s (fail %d of %d)   sipp-uas %8.0f/s (fail %d of %d)   acd/baseline %.2f\n", l, ar, af, aok+af, br, bf, bok+bf, ar/br }'
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg), CALLS=$CALLS RATE=$RATE, buff_size=$BUF"

mkfifo "$WORK/stdin"; exec 3<>"$WORK/stdin"   # keeps the server's stdin open until we exit

# OPTIONS transactions
if want options; then
start_acd --auto-answer --no-auth; a=$(run_uac acd-options options_uac.xml "127.0.0.1:$ACD_PORT"); stop_all
start_sipp_uas -sf "$HERE/options_uas.xml"; base=$(run_uac base-options options_uac.xml "127.0.0.1:$UAS_PORT"); stop_all
report "OPTIONS transactions" "$a" "$base" 1
fi

# REGISTER with MD5 digest: 2 transactions per call (challenge + authenticated)
if want register; then
start_acd --user 1001:s3cret --md5-first; a=$(run_uac acd-register register_uac.xml "127.0.0.1:$ACD_PORT" -s 1001 -au 1001 -ap s3cret); stop_all
start_sipp_uas -sf "$HERE/register_uas.xml"; base=$(run_uac base-register register_uac.xml "127.0.0.1:$UAS_PORT" -s 1001 -au 1001 -ap s3cret); stop_all
report "REGISTER transactions" "$a" "$base" 2
fi

# INVITE/200/ACK/BYE calls, no media; Acd answers 200 at once (test mode)
if want calls; then
start_acd --auto-answer --no-auth; a=$(run_uac acd-calls call_uac.xml "127.0.0.1:$ACD_PORT"); stop_all
start_sipp_uas -sn uas; base=$(run_uac base-calls call_uac.xml "127.0.0.1:$UAS_PORT"); stop_all
report "INVITE-ACK-BYE calls" "$a" "$base" 1
fi
