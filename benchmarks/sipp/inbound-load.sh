#!/usr/bin/env bash
# Inbound call path under SIPp load (issue 7): the real server (src/Acd.Server, Release) on loopback, driven by SIPp.
#   benchmarks/sipp/inbound-load.sh ivr    # IVR only: dial 200, 2 s prompt, Acd hangs up; ramp the call rate
#   benchmarks/sipp/inbound-load.sh full   # IVR -> queue -> agent: AGENTS SIPp agents (digest REGISTER), ramp the rate
#   benchmarks/sipp/inbound-load.sh moh    # N callers held on music on hold (queue without agents) for MOH_SECONDS
# Each mode also runs the baseline in the same run: SIPp's own UAS in Acd's place, answering the same UAC scenario
# (ivr: answers, streams the same 2 s prompt with SIPp's rtpstream, hangs up; full: answers, talks HOLD_MS, hangs up,
# no media; moh: answers and streams the same music in a loop until the caller hangs up).
# Environment (defaults in brackets):
#   RATES (ivr ["50 100 200 300 400 500 600 800 1000"], full ["100 200 300 400 500 600 800"]): calls/s, STEP [20] s
#     each, BASE_STEP [10] s for the baseline. The ramp stops after the first rate with > 0.1% failed calls, achieved
#     rate < 90% of offered, calls still active 30 s after the step, or (full) < 99.9% of calls reaching an agent;
#     answer p99 > P99_LIMIT_MS [200] is flagged.
#   AGENTS [2000] HOLD_MS [1500] AGENT_PROCS [2] (full: agents' SIPp UAS processes)
#   CALLERS ["500 1000 2000"] MOH_SECONDS [30] (moh)
#   BASELINE [1]: 0 skips the SIPp-UAS baseline; ACD_DLL: a built acd.dll (default: build src/Acd.Server -c Release),
#     ACD_COMMIT: the commit it was built from (printed in the header)
#   SERVER_CPUS / SIPP_CPUS: taskset lists (default: server on 0,1 and SIPp on the other cores when there are 4 or
#     more, else everything shares all cores); KEEP=1 keeps the work folder (logs, records, SIPp traces)
# Needs sipp (3.6), sox, python3, curl. Not run by CI.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${1:-}
[[ "$MODE" =~ ^(ivr|full|moh)$ ]] || { sed -n 2,20p "$0"; exit 2; }
if [[ "$MODE" == full ]]; then RATES=${RATES:-100 200 300 400 500 600 800}; else RATES=${RATES:-50 100 200 300 400 500 600 800 1000}; fi
STEP=${STEP:-20}
BASE_STEP=${BASE_STEP:-10}
P99_LIMIT_MS=${P99_LIMIT_MS:-200}
AGENTS=${AGENTS:-2000}
AGENT_PROCS=${AGENT_PROCS:-2}
HOLD_MS=${HOLD_MS:-1500}
CALLERS=${CALLERS:-500 1000 2000}
MOH_SECONDS=${MOH_SECONDS:-30}
BASELINE=${BASELINE:-1}
BUF=4194304
TOOLS="python3 $HERE/inbound_tools.py"
CORES=$(nproc)
if [[ -z "${SERVER_CPUS:-}" ]]; then
  if (( CORES >= 4 )); then SERVER_CPUS=0,1; SIPP_CPUS=2-$((CORES - 1)); else SERVER_CPUS=0-$((CORES - 1)); SIPP_CPUS=$SERVER_CPUS; fi
fi
SIPP_CPUS=${SIPP_CPUS:-$SERVER_CPUS}
WORK=$(mktemp -d /tmp/acd-inbound-XXXXXX)
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

# ------------------------------------------------------------------------------------------------ configuration
# The IVR folder: the benchmark scripts, the repository's prompts (music on hold, announcements) and the 2 s prompt.
mkdir -p "$WORK/ivr-scripts"
cp "$HERE"/config/ivr-scripts/*.yaml "$WORK/ivr-scripts/"
cp -r "$ROOT/ivr-scripts/prompts" "$WORK/ivr-scripts/prompts"
cp "$HERE"/config/ivr-scripts/prompts/*.wav "$WORK/ivr-scripts/prompts/"
# The contact center: the benchmark file plus AGENTS agents 5000.. (sample passwords demo<ext>: loopback only).
cp "$HERE/config/acd-bench.yaml" "$WORK/acd.yaml"
if [[ "$MODE" == full ]]; then
  python3 - "$WORK" "$AGENTS" "$AGENT_PROCS" <<'EOF'
import sys
work, n, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
csvs = [open(f"{work}/agents-{k}.csv", "w") for k in range(procs)]
with open(f"{work}/acd.yaml", "a") as f:
    f.write("agents:\n")
    for csv in csvs:
        csv.write("SEQUENTIAL\n")
    for i in range(5000, 5000 + n):
        f.write(f'  "{i}": {{ name: Agent {i}, password: demo{i}, skills: {{ bench: 5 }} }}\n')
        csvs[i % procs].write(f"{i};[authentication username={i} password=demo{i}]\n")
for csv in csvs:
    csv.close()
EOF
fi
# The baseline's audio: the same prompt and music as 8 kHz mu-law WAVs for SIPp's rtpstream.
sox "$WORK/ivr-scripts/prompts/bench-2s.wav" -e u-law "$WORK/prompt-ulaw.wav"
sox "$(ls "$WORK"/ivr-scripts/prompts/moh/*.wav | head -1)" -e u-law "$WORK/moh-ulaw.wav"

say() { echo "$*"; }
now() { date +%s.%N; }
sleep_until() { local d; d=$(echo "$1 - $(now)" | bc); [[ "$d" == -* ]] || sleep "$d"; }

# ------------------------------------------------------------------------------------------------ processes
start_acd() { # (sets ACD_PID ACD_SIP HTTP; log in $WORK/acd-N.log, samples in $WORK/acd-N.samples)
  ACD_SIP=$($TOOLS freeport); HTTP=$($TOOLS freeport)
  ACD_RUN=$(( ${ACD_RUN:-0} + 1 ))
  rm -rf "$WORK/records"
  taskset -c "$SERVER_CPUS" dotnet "$ACD_DLL" --urls="http://127.0.0.1:$HTTP" --Sip:Port="$ACD_SIP" --Sip:Transports=udp \
    --Acd:Config="$WORK/acd.yaml" --Ivr:Scripts="$WORK/ivr-scripts" --Records:Path="$WORK/records" \
    --Media:RtpPorts=10000-29999 --Sip:DigestAlgorithms=MD5 --Logging:LogLevel:Default=Warning \
    >"$WORK/acd-$ACD_RUN.log" 2>&1 &
  ACD_PID=$!; PIDS+=("$ACD_PID")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$HTTP/health" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$HTTP/health" >/dev/null || { cat "$WORK/acd-$ACD_RUN.log"; exit 1; }
  SAMPLES="$WORK/acd-$ACD_RUN.samples"
  $TOOLS sample "$ACD_PID" "$SAMPLES" 0.5 & PIDS+=($!)
  SOCKETS0=$(sockets "$ACD_PID")
}

idle_server() { # idle_server <what>: the server's CPU, RSS and managed heap with no call (sets IDLE_CPU IDLE_RSS IDLE_HEAP)
  sleep 4
  read -r IDLE_CPU IDLE_RSS _ <<<"$($TOOLS window "$SAMPLES" "$(echo "$(now) - 3.5" | bc)" "$(now)")"
  IDLE_HEAP=$(metric dotnet_total_memory_bytes)
  say "# server $1, no call: CPU ${IDLE_CPU}% of a core, RSS ${IDLE_RSS} MB, managed heap $((IDLE_HEAP / 1048576)) MB"
  say "# per call: cpu_ms = server CPU / achieved rate; KB/call = (average RSS in the step - idle RSS) / calls active mid-step, heap the same with dotnet_total_memory_bytes (uncollected garbage included)"
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

sockets() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c socket || true; }

metrics() { curl -s "http://127.0.0.1:$HTTP/metrics" >"$1"; }

metric() { # metric <name> [labels]: current value from the server
  local f="$WORK/m.$$"; metrics "$f"; $TOOLS metric "$f" "$@"
}

wait_idle() { # waits (bounded) until the server has no call; prints the calls still active
  local limit=$1 active=0
  for _ in $(seq 1 $((limit * 2))); do active=$(metric acd_calls_active); [[ "$active" == 0 ]] && break; sleep 0.5; done
  echo "$active"
}

start_uas() { # start_uas <label> <scenario> <port> [args]: a SIPp UAS in the background (sets UAS_PID)
  local label=$1 scenario=$2 p=$3; shift 3
  mkdir -p "$WORK/$label"; cp "$WORK/prompt-ulaw.wav" "$WORK/$label/audio.wav"
  [[ "$label" == base-moh* ]] && cp "$WORK/moh-ulaw.wav" "$WORK/$label/audio.wav"
  (cd "$WORK/$label" && exec taskset -c "$1" sipp -sf "$HERE/$scenario" -i 127.0.0.1 -p "$p" -mp "$($TOOLS freeport even)" \
      -buff_size $BUF -nostdin -trace_err "${@:2}" >"$WORK/$label/uas.out" 2>&1) &
  UAS_PID=$!; PIDS+=("$UAS_PID")
  sleep 0.5
  kill -0 "$UAS_PID" 2>/dev/null || { echo "SIPp UAS $label did not start:"; cat "$WORK/$label"/*errors* "$WORK/$label/uas.out"; exit 1; }
}

run_uac() { # run_uac <label> <scenario> <target> <dialed> <rate> <calls> [args]: SIPp UAC in the foreground in $WORK/<label>
  local label=$1 scenario=$2 target=$3 dialed=$4 rate=$5 calls=$6; shift 6
  mkdir -p "$WORK/$label"
  (cd "$WORK/$label" && exec taskset -c "$SIPP_CPUS" sipp -sf "$HERE/$scenario" "$target" -i 127.0.0.1 -p "$($TOOLS freeport)" \
      -mp "$($TOOLS freeport even)" -key dialed "$dialed" -r "$rate" -m "$calls" -l 15000 -buff_size $BUF -nostdin \
      -timeout "$((calls / rate + MOH_SECONDS + 90))s" -timeout_error -trace_rtt -rtt_freq 1 -trace_err "$@" \
      >"$WORK/$label/uac.out" 2>&1) || true
}

uac_pid() { ls "$WORK/$1"/*_rtt.csv 2>/dev/null | sed 's/.*_\([0-9]*\)_rtt.csv/\1/' | head -1; }

# ------------------------------------------------------------------------------------------------ ramps (ivr, full)
# ramp <who> <target> <dialed> <caller scenario> <recv timeout ms> [pid to sample]: one line per rate. Stops after the
# first rate with failures (> 0.1% failed, achieved < 90% of offered, stuck calls, < 99.9% reaching an agent); sets
# MAX_OK (highest rate without failures and with answer p99 <= P99_LIMIT_MS) and MAX_NOFAIL (without failures).
ramp() {
  local who=$1 target=$2 dialed=$3 scenario=$4 recv=$5 spid=${6:-}
  local samples=$SAMPLES
  if [[ -n "$spid" ]]; then samples="$WORK/$who.samples"; $TOOLS sample "$spid" "$samples" 0.5 & PIDS+=($!); fi
  MAX_OK=0; MAX_NOFAIL=0
  local p99ok=1
  printf "%-5s %6s %7s %6s %7s %8s %8s %8s %9s %9s %6s %8s %8s %s\n" who offered calls failed fail% setup/s \
    ans_p50 ans_p99 rtd2_p50 rtd2_p99 cpu% cpu_ms rss_max "notes"
  for rate in $RATES; do
    local step=$STEP; [[ "$who" == base ]] && step=$BASE_STEP
    local label="$who-$rate" calls=$((rate * step)) t0 t1 mid=""
    [[ "$who" == acd ]] && metrics "$WORK/$label.before" 2>/dev/null || true
    t0=$(now)
    if [[ "$who" == acd ]]; then
      # a mid-step look at the server: calls in progress (for memory per call)
      (sleep $((step / 2)); metrics "$WORK/$label.mid") &
    fi
    run_uac "$label" "$scenario" "$target" "$dialed" "$rate" "$calls" -recv_timeout "$recv"
    t1=$(now)
    read -r ok failed <<<"$($TOOLS sippstat "$WORK/$label/uac.out")"
    read -r a50 a99 amax b50 b99 <<<"$($TOOLS rtt "$WORK/$label")"
    local achieved; achieved=$($TOOLS rate "$WORK/$label")
    read -r cpu rssavg rssmax <<<"$($TOOLS window "$samples" "$(echo "$t0 + 3" | bc)" "$(echo "$t0 + $step" | bc)")"
    local notes="" pass=1
    if [[ "$who" == acd ]]; then
      local active; active=$(wait_idle 30)
      metrics "$WORK/$label.after"
      local midactive; midactive=$($TOOLS metric "$WORK/$label.mid" acd_calls_active 2>/dev/null || echo 0)
      notes="active@mid=$midactive"
      [[ -n "${IDLE_RSS:-}" && "$midactive" -gt 0 ]] && notes="$notes rss=$(awk -v r="$rssavg" -v i="$IDLE_RSS" -v n="$midactive" 'BEGIN { printf "%.0f", (r - i) * 1024 / n }')KB/call heap=$(awk -v h="$($TOOLS metric "$WORK/$label.mid" dotnet_total_memory_bytes)" -v i="$IDLE_HEAP" -v n="$midactive" 'BEGIN { printf "%.0f", (h - i) / 1024 / n }')KB/call"
      notes="$notes $( $TOOLS lateness "$WORK/$label.before" "$WORK/$label.after" | awk '{print "rtp_late>20ms=" $8 " " $9}')"
      [[ "$active" != 0 ]] && { notes="$notes STUCK:$active"; pass=0; }
      if [[ "$MODE" == full ]]; then
        local k acpu=""
        for k in $(seq 0 $((AGENT_PROCS - 1))); do
          acpu="$acpu${acpu:+/}$($TOOLS window "$WORK/agents-$k.samples" "$(echo "$t0 + 3" | bc)" "$(echo "$t0 + $step" | bc)" | cut -d' ' -f1)"
        done
        notes="$notes agents_sipp_cpu%=$acpu"
        local tag; tag="-$(uac_pid "$label")@"
        for _ in $(seq 1 20); do
          [[ $($TOOLS records "$WORK/records" "$tag" | awk 'NR == 1 {print $2}') -ge $((ok + failed)) ]] && break; sleep 0.5
        done
        $TOOLS records "$WORK/records" "$tag" >"$WORK/$label.records"
        local share; share=$(awk 'NR==1 {gsub(/[(%)]/,"",$5); print $5}' "$WORK/$label.records")
        notes="$notes agent=$share%"
        awk -v s="$share" 'BEGIN { exit !(s < 99.9) }' && pass=0
      fi
    fi
    awk -v p="$a99" -v lim="$P99_LIMIT_MS" 'BEGIN { exit !(p > lim || p != p) }' && { p99ok=0; notes="$notes p99>${P99_LIMIT_MS}ms"; }
    printf "%-5s %6d %7d %6d %7.2f %8s %8s %8s %9s %9s %6s %8s %8s %s\n" "$who" "$rate" "$((ok + failed))" "$failed" \
      "$(awk -v f="$failed" -v t="$((ok + failed))" 'BEGIN { print t ? 100 * f / t : 100 }')" "$achieved" "$a50" "$a99" \
      "$b50" "$b99" "$cpu" "$(awk -v c="$cpu" -v r="$achieved" 'BEGIN { printf "%.2f", r ? c * 10 / r : 0 }')" "${rssmax}M" "$notes"
    [[ "$MODE" == full && "$who" == acd ]] && sed 's/^/      /' "$WORK/$label.records"
    awk -v f="$failed" -v t="$((ok + failed))" -v got="$achieved" -v r="$rate" \
      'BEGIN { exit !(t == 0 || f > 0.001 * t || got < 0.9 * r) }' && pass=0
    (( pass )) || break
    MAX_NOFAIL=$rate
    (( p99ok )) && MAX_OK=$rate
  done
  LAST_RATE=$rate
}

# acd_ramp <dialed> <recv timeout ms> <idle description>: warm-up (100 calls), idle figures, the ramp, the checks after it.
acd_ramp() {
  run_uac warmup inbound_caller_until_bye.xml "127.0.0.1:$ACD_SIP" "$1" 50 100 -recv_timeout "$2"
  wait_idle 20 >/dev/null
  idle_server "$3"
  ramp acd "127.0.0.1:$ACD_SIP" "$1" inbound_caller_until_bye.xml "$2"
  ACD_MAX=$MAX_OK; ACD_NOFAIL=$MAX_NOFAIL; ACD_LAST=$LAST_RATE
  server_checks
}

# baseline_ramp <uas scenario> <dialed> <recv timeout ms> [uas args]: SIPp's UAS in Acd's place (on the server's cpus),
# the same rates up to the first one Acd failed, then the comparison line.
baseline_ramp() {
  local scenario=$1 dialed=$2 recv=$3 up; shift 3
  up=$($TOOLS freeport)
  start_uas base-uas "$scenario" "$up" "$SERVER_CPUS" "$@"
  RATES=$(echo $RATES | tr ' ' '\n' | awk -v last="$ACD_LAST" '$1 <= last' | xargs)
  ramp base "127.0.0.1:$up" "$dialed" inbound_caller_until_bye.xml "$recv" "$UAS_PID"
  say "# highest rate without failures (and with answer p99 <= ${P99_LIMIT_MS} ms): acd $ACD_NOFAIL ($ACD_MAX) calls/s, SIPp UAS $MAX_NOFAIL ($MAX_OK) calls/s (rates tried up to $ACD_LAST)"
}

# server_checks: what is left once the load is over (stuck calls, sockets, warnings in the log)
server_checks() {
  say "# after the load: calls active $(wait_idle 20); calls by outcome $(metrics "$WORK/end"; grep '^acd_calls_total' "$WORK/end" | sed 's/acd_calls_total//' | tr '\n' ' ')"
  say "# server sockets before/after: $SOCKETS0/$(sockets "$ACD_PID"), log warnings/errors: $(grep -cE '^(warn|fail|crit)' "$WORK/acd-$ACD_RUN.log" || true)"
}

# ------------------------------------------------------------------------------------------------ header
say "# $(date -u +%FT%TZ) inbound-load $MODE: $CORES cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "# acd ${ACD_COMMIT:-$(git -C "$ROOT" log -1 --format=%h 2>/dev/null)} ($ACD_DLL), server on cpus $SERVER_CPUS, SIPp on cpus $SIPP_CPUS$( (( CORES < 4 )) && echo ' (shared: fewer than 4 cores)')"

case "$MODE" in
ivr)
  say "# IVR only: dial 200 -> 2 s prompt -> Acd hangs up. STEP=${STEP}s per rate, answer = INVITE->200 (ms), rtd2 = ACK->BYE (ms)"
  start_acd
  acd_ramp 200 10000 "after a 100-call warm-up"
  stop_pid "$ACD_PID"
  if [[ "$BASELINE" == 1 ]]; then baseline_ramp inbound_baseline_uas.xml 200 10000 -d 2000; fi
  ;;
full)
  say "# Full path: dial 201 -> IVR queues at once -> queue bench (longest-idle, wrap-up 0) -> $AGENTS SIPp agents ($AGENT_PROCS UAS processes, talk ${HOLD_MS} ms, agent hangs up)"
  start_acd
  # Agents register in AGENT_PROCS groups, each from the port its SIPp UAS then answers on (Acd rings the REGISTER's source).
  t0=$(now); rok=0; rfail=0; AGENT_PIDS=()
  for k in $(seq 0 $((AGENT_PROCS - 1))); do
    AGENT_PORT[$k]=$($TOOLS freeport); mkdir -p "$WORK/register-$k"
    (cd "$WORK/register-$k" && taskset -c "$SIPP_CPUS" sipp -sf "$HERE/inbound_agent_register.xml" "127.0.0.1:$ACD_SIP" -i 127.0.0.1 \
       -p "${AGENT_PORT[$k]}" -inf "$WORK/agents-$k.csv" -key expires 3600 -r 500 -m "$(( $(wc -l <"$WORK/agents-$k.csv") - 1 ))" \
       -buff_size $BUF -nostdin -recv_timeout 10000 -trace_err >uac.out 2>&1) || true
    read -r o f <<<"$($TOOLS sippstat "$WORK/register-$k/uac.out")"; rok=$((rok + o)); rfail=$((rfail + f))
  done
  for _ in $(seq 1 40); do [[ $(metric acd_agents queue=bench,state=Available) == "$AGENTS" ]] && break; sleep 0.5; done
  say "# registered $rok of $AGENTS agents ($rfail failed) in $(echo "$(now) - $t0" | bc | cut -c1-4) s; available: $(metric acd_agents queue=bench,state=Available)"
  for k in $(seq 0 $((AGENT_PROCS - 1))); do
    start_uas "agents-$k" inbound_agent_uas.xml "${AGENT_PORT[$k]}" "$SIPP_CPUS" -d "$HOLD_MS"
    AGENT_PIDS+=("$UAS_PID"); $TOOLS sample "$UAS_PID" "$WORK/agents-$k.samples" 0.5 & PIDS+=($!)
  done
  acd_ramp 201 30000 "with $AGENTS agents registered, after a 100-call warm-up"
  say "# agents $(for s in Available Reserved OnCall WrapUp Paused LoggedOut; do printf '%s=%s ' $s "$($TOOLS metric "$WORK/end" acd_agents queue=bench,state=$s)"; done); agent legs $(grep '^acd_agent_legs_total' "$WORK/end" | sed 's/acd_agent_legs_total//' | tr '\n' ' ')"
  say "# agents' SIPp: $(for k in $(seq 0 $((AGENT_PROCS - 1))); do printf '%s calls aborted (unexpected message), ' "$(cat "$WORK/agents-$k"/*errors.log 2>/dev/null | grep -c 'Aborting call on unexpected' || true)"; done)"
  for p in "${AGENT_PIDS[@]}"; do stop_pid "$p"; done; stop_pid "$ACD_PID"
  if [[ "$BASELINE" == 1 ]]; then baseline_ramp inbound_agent_uas.xml 201 30000 -d "$HOLD_MS"; fi
  ;;
moh)
  say "# Music on hold: N callers dial 203 (queue hold, no agents), stay ${MOH_SECONDS} s and hang up; plateau = all N in the queue"
  say "# pkt/s = the server's acd_rtp_packets_total{direction=out} rate; udp_rx/s = datagrams reaching sockets on the host (/proc/net/snmp, every process)"
  printf "%-5s %6s %6s %8s %9s %9s %9s %6s %8s %8s %8s %8s %7s %s\n" who callers failed active pkt/s udp_rx/s expected cpu% cpu%/1k rss_MB idle_MB KB/call heapKB "rtp send lateness (server)"
  snap() { # snap <prefix>: /metrics (Acd only) and the host's UDP counter; <prefix>.t = the midpoint of the two reads
    local a; a=$(now); [[ "$who" == acd ]] && metrics "$1"; $TOOLS udprx >"$1.udp"; echo "($a + $(now)) / 2" | bc -l >"$1.t"
  }
  moh_step() { # moh_step <who> <target> <n> [pid]
    local who=$1 target=$2 n=$3 pid=${4:-$ACD_PID} samples rate t0 ramp_s
    samples=${SAMPLES}; [[ "$who" == base ]] && samples="$WORK/base-$n.samples"
    rate=$(( n / 10 > 0 ? n / 10 : 1 )); ramp_s=$(( (n + rate - 1) / rate ))
    (( ramp_s + 6 < MOH_SECONDS )) || { echo "MOH_SECONDS too short for the ramp"; exit 2; }
    sleep 3
    local idle idle_heap=0 heap="-"; read -r _ idle _ <<<"$($TOOLS window "$samples" "$(echo "$(now) - 2.5" | bc)" "$(now)")"
    [[ "$who" == acd ]] && idle_heap=$(metric dotnet_total_memory_bytes)
    t0=$(now)
    run_uac "$who-moh-$n" inbound_caller_hangup.xml "$target" 203 "$rate" "$n" -d "$((MOH_SECONDS * 1000))" -recv_timeout 20000 &
    local uac=$!
    sleep_until "$(echo "$t0 + $ramp_s + 3" | bc)"
    local p0 p1 active="-" pps="-" late="-" rx
    snap "$WORK/moh-$who-$n.before"; p0=$(cat "$WORK/moh-$who-$n.before.t")
    sleep_until "$(echo "$t0 + $MOH_SECONDS - 2" | bc)"
    snap "$WORK/moh-$who-$n.after"; p1=$(cat "$WORK/moh-$who-$n.after.t")
    rate_of() { awk -v a="$1" -v b="$2" -v t="$(echo "$p1 - $p0" | bc)" 'BEGIN { printf "%.0f", (a - b) / t }'; }
    rx=$(rate_of "$(cat "$WORK/moh-$who-$n.after.udp")" "$(cat "$WORK/moh-$who-$n.before.udp")")
    if [[ "$who" == acd ]]; then
      local m0="$WORK/moh-$who-$n.before" m1="$WORK/moh-$who-$n.after"
      active=$($TOOLS metric "$m1" acd_calls_active)
      pps=$(rate_of "$($TOOLS metric "$m1" acd_rtp_packets_total direction=out)" "$($TOOLS metric "$m0" acd_rtp_packets_total direction=out)")
      late=$($TOOLS lateness "$m0" "$m1")
      heap=$(awk -v h="$($TOOLS metric "$m1" dotnet_total_memory_bytes)" -v i="$idle_heap" -v n="$n" 'BEGIN { printf "%.0f", (h - i) / 1024 / n }')
    fi
    read -r cpu rss _ <<<"$($TOOLS window "$samples" "$p0" "$p1")"
    wait "$uac" || true
    read -r ok failed <<<"$($TOOLS sippstat "$WORK/$who-moh-$n/uac.out")"
    printf "%-5s %6d %6d %8s %9s %9s %9d %6s %8s %8s %8s %8s %7s %s\n" "$who" "$n" "$failed" "$active" "$pps" "$rx" "$((50 * n))" "$cpu" \
      "$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.0f", c * 1000 / n }')" "$rss" "$idle" \
      "$(awk -v r="$rss" -v i="$idle" -v n="$n" 'BEGIN { printf "%.0f", (r - i) * 1024 / n }')" "$heap" "$late"
    if [[ "$who" == acd ]]; then
      local left; left=$(wait_idle 20)
      [[ "$left" != 0 ]] && echo "      STUCK: $left calls still active 20 s after the callers hung up"
      server_checks | sed 's/^# /      /'
    fi
  }
  for n in $CALLERS; do
    start_acd
    run_uac warmup-$n inbound_caller_hangup.xml "127.0.0.1:$ACD_SIP" 203 50 100 -d 2000 -recv_timeout 10000
    wait_idle 10 >/dev/null
    moh_step acd "127.0.0.1:$ACD_SIP" "$n"
    stop_pid "$ACD_PID"
    if [[ "$BASELINE" == 1 ]]; then
      UP=$($TOOLS freeport)
      start_uas "base-moh-$n" inbound_baseline_moh_uas.xml "$UP" "$SERVER_CPUS"
      $TOOLS sample "$UAS_PID" "$WORK/base-$n.samples" 0.5 & PIDS+=($!)
      moh_step base "127.0.0.1:$UP" "$n" "$UAS_PID"
      stop_pid "$UAS_PID"
    fi
  done
  ;;
esac
