#!/usr/bin/env bash
# Dialer capacity on one node (issue 10): the real server (src/Acd.Server, Release) runs an agentless campaign (2 s
# message, then the 5 s press-1/press-9 wait, then BYE: ~7.3 s a call) through one SIP trunk that is a SIPp UAS on
# loopback (rings 200 ms, answers, echoes RTP). Each step gives the trunk CPS calls per second and CHANNELS channels and
# CPS x DURATION leads; the dialer's own attempt records (Records:Path/dialer) give the achieved rate, the peak of
# concurrent calls and the failures. Baseline in the same run: SIPp's UAC in the dialer's place against the same UAS
# (same rate, same concurrency limit, holding the same time).
#   benchmarks/sipp/dialer-capacity.sh                 # STEPS="20:200 50:400 100:800 200:1600" DURATION=30
# Environment: STEPS ("cps:channels" list), DURATION [30] s of leads per step, HOLD_MS [7300] (baseline hold),
#   RTP_PORTS [20000-29999], BASELINE [1], ACD_DLL (default: build src/Acd.Server -c Release), KEEP=1 keeps the work folder.
# Needs sipp (3.6), python3, curl. Not run by CI.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STEPS=${STEPS:-20:200 50:400 100:800 200:1600}
DURATION=${DURATION:-30}
HOLD_MS=${HOLD_MS:-7300}
BASELINE=${BASELINE:-1}
WORK=$(mktemp -d /tmp/acd-dialer-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "# work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true
if [[ -z "${ACD_DLL:-}" ]]; then
  dotnet build "$ROOT/src/Acd.Server" -c Release -v q -nologo >/dev/null
  ACD_DLL="$ROOT/src/Acd.Server/bin/Release/net10.0/acd.dll"
fi
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
free_tcp_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$WORK/ivr-scripts"
cp -r "$ROOT/ivr-scripts/prompts" "$WORK/ivr-scripts/prompts"
cp "$HERE/config/ivr-scripts/prompts/bench-2s.wav" "$WORK/ivr-scripts/prompts/"
cp "$HERE"/config/ivr-scripts/*.yaml "$WORK/ivr-scripts/"
{ cat "$HERE/config/acd-bench.yaml"; printf 'agents:\n  "5000": { name: Agent 5000, password: demo5000, skills: { bench: 5 } }\n'; } >"$WORK/acd.yaml"
echo "# dialer-capacity $(date -u +%FT%TZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), commit $(git -C "$ROOT" rev-parse --short HEAD)"
echo "# mode      cps channels  leads  dialed  achieved_cps  peak_concurrent  failed  server_cpu_s"
for step in $STEPS; do
  CPS=${step%%:*}; CH=${step##*:}; N=$((CPS * DURATION)); S="$WORK/step-$CPS"; mkdir -p "$S"
  python3 - "$S/leads.csv" "$N" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,phone\n")
    for i in range(int(sys.argv[2])):
        f.write(f"L{i},+1212{2000000 + i:07d}\n")
PY
  TP=$(free_port); SP=$(free_port); HP=$(free_tcp_port)
  cat > "$S/dialer.yaml" <<YAML
tick: 200ms
trunks:
  - name: bench
    host: 127.0.0.1
    port: $TP
    maxChannels: $CH
    maxCallsPerSecond: $CPS
campaigns:
  - id: bench
    mode: agentless
    callerId: "+12125550123"
    trunks: [bench]
    leads: leads.csv
    amd: false
    message: bench-2s.wav
    broadcastLines: $CH
    calleeWindow: 00:00-23:59
    maxAttempts: 1
    start: true
YAML
  sipp -sf "$HERE/dialer_trunk_uas.xml" -i 127.0.0.1 -p "$TP" -mp "$(free_port)" -rtp_echo -m "$N" -nostdin -timeout $((DURATION + 60))s \
    -trace_stat -stf "$S/uas.csv" -fd 1 >"$S/uas.log" 2>&1 & UAS=$!; PIDS+=("$UAS")
  dotnet "$ACD_DLL" --urls "http://127.0.0.1:$HP" --Sip:Port="$SP" --Sip:Transports=udp --Acd:Config="$WORK/acd.yaml" \
    --Ivr:Scripts="$WORK/ivr-scripts" --Records:Path="$S/records" --Dialer:File="$S/dialer.yaml" --Media:RtpPorts=${RTP_PORTS:-20000-29999} \
    --Logging:LogLevel:Default=Warning >"$S/server.log" 2>&1 & SRV=$!; PIDS+=("$SRV")
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$HP/health" >/dev/null && break; kill -0 "$SRV" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$SRV" 2>/dev/null || { cat "$S/server.log"; exit 1; }
  wait "$UAS" || true
  sleep 2
  CPU=$(awk '{printf "%.1f", ($14+$15)/100}' "/proc/$SRV/stat" 2>/dev/null || echo "?")
  kill "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true
  python3 - "$S/records/dialer" "$CPS" "$CH" "$N" "$CPU" <<'PY'
import sys, json, glob, datetime
folder, cps, ch, n, cpu = sys.argv[1], *sys.argv[2:]
rows = [json.loads(l) for f in glob.glob(folder + "/attempts-*.jsonl") for l in open(f) if l.strip()]
t = lambda s: datetime.datetime.fromisoformat(s).timestamp()
starts = sorted(t(r["started"]) for r in rows)
events = sorted([(t(r["started"]), 1) for r in rows] + [(t(r["ended"]), -1) for r in rows])
peak = cur = 0
for _, d in events:
    cur += d; peak = max(peak, cur)
failed = sum(1 for r in rows if r["outcome"] != "AnsweredHuman")
rate = (len(starts) - 1) / (starts[-1] - starts[0]) if len(starts) > 1 else 0
print(f"  acd     {cps:>5} {ch:>8} {n:>6} {len(rows):>7} {rate:>13.1f} {peak:>16} {failed:>7} {cpu:>13}")
PY
  if [[ "$BASELINE" == 1 ]]; then
    TP=$(free_port)
    sipp -sf "$HERE/dialer_trunk_uas.xml" -i 127.0.0.1 -p "$TP" -mp "$(free_port)" -rtp_echo -m "$N" -nostdin -timeout $((DURATION + 60))s >"$S/base-uas.log" 2>&1 & BU=$!; PIDS+=("$BU")
    sipp -sf "$HERE/dialer_baseline_uac.xml" "127.0.0.1:$TP" -i 127.0.0.1 -p "$(free_port)" -mp "$(free_port)" -r "$CPS" -l "$CH" -m "$N" -d "$HOLD_MS" \
      -nostdin -timeout $((DURATION + 60))s -trace_stat -stf "$S/base.csv" -fd 1 >"$S/base-uac.log" 2>&1 || true
    wait "$BU" || true
    python3 - "$S/base.csv" "$CPS" "$CH" "$N" <<'PY'
import sys, csv
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h, last = rows[0], rows[-1]
g = lambda k: last[h.index(k)]
ok, failed = int(g("SuccessfulCall(C)")), int(g("FailedCall(C)"))
created = int(g("OutgoingCall(C)"))
elapsed = g("ElapsedTime(C)").split(":")
secs = int(elapsed[0]) * 3600 + int(elapsed[1]) * 60 + float(elapsed[2])
peak = max(int(r[h.index("CurrentCall")]) for r in rows[1:])
print(f"  sipp    {sys.argv[2]:>5} {sys.argv[3]:>8} {sys.argv[4]:>6} {created:>7} {created / max(secs - 7.5, 1):>13.1f} {peak:>16} {failed:>7} {'-':>13}")
PY
  fi
done
