#!/usr/bin/env python3
"""Helpers for inbound-load.sh (standard library only).

  sample PID OUT [interval]        append "epoch cpu_ticks rss_kb threads" lines while PID lives
  window OUT T0 T1                 "cpu% rss_avg_mb rss_max_mb" of the samples between T0 and T1 (epoch seconds)
  rtt DIR                          answer-time (RTD 1) and RTD 2 percentiles from SIPp's *_rtt.csv files in DIR
  sippstat FILE                    "ok failed" from a SIPp final screen (stdout of a run)
  rate DIR                         achieved call set-up rate (RTD 1 samples / their time span)
  records RECORDS_DIR TAG          summary of the call records whose SIP Call-ID contains TAG (SIPp's -<pid>@)
  metric FILE NAME [LABELS]        sum of the samples of NAME (with every label=value of LABELS) in a /metrics dump
  lateness BEFORE AFTER            RTP send lateness between two /metrics dumps: frames, share late > 5/10/20 ms, p99 bound
  freeport [even]                  a free loopback UDP port (even, with the next 3 free too, for SIPp's -mp)
  udprx                            UDP datagrams that reached this host's sockets so far (delivered + dropped), /proc/net/snmp
"""
import glob
import json
import math
import os
import re
import socket
import statistics
import sys
import time
from datetime import datetime


def sample(pid, out, interval=0.5):
    tick = os.sysconf("SC_CLK_TCK")
    with open(out, "a", buffering=1) as f:
        while True:
            try:
                with open(f"/proc/{pid}/stat") as s:
                    fields = s.read().rsplit(")", 1)[1].split()
                cpu = int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15 of stat)
                rss = threads = 0
                with open(f"/proc/{pid}/status") as s:
                    for line in s:
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1])
                        elif line.startswith("Threads:"):
                            threads = int(line.split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                return
            f.write(f"{time.time():.3f} {cpu / tick:.3f} {rss} {threads}\n")
            time.sleep(interval)


def window(out, t0, t1):
    rows = []
    with open(out) as f:
        for line in f:
            p = line.split()
            if len(p) == 4 and t0 <= float(p[0]) <= t1:
                rows.append((float(p[0]), float(p[1]), int(p[2])))
    if len(rows) < 2:
        print("0 0 0")
        return
    cpu = 100.0 * (rows[-1][1] - rows[0][1]) / (rows[-1][0] - rows[0][0])
    rss = [r[2] / 1024 for r in rows]
    print(f"{cpu:.0f} {statistics.mean(rss):.0f} {max(rss):.0f}")


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(p / 100 * len(v)) - 1))]


def rtt_samples(directory):
    by = {}
    for path in glob.glob(os.path.join(directory, "*_rtt.csv")):
        with open(path) as f:
            for line in f:
                p = line.strip().split(";")
                if len(p) < 3 or not p[0][:1].isdigit():
                    continue
                by.setdefault(p[2], []).append((float(p[0]), float(p[1])))
    return by


def rtt(directory):
    by = rtt_samples(directory)
    a = [v for _, v in by.get("1", [])]
    b = [v for _, v in by.get("2", [])]
    print(f"{pct(a, 50):.1f} {pct(a, 99):.1f} {max(a) if a else float('nan'):.1f} {pct(b, 50):.0f} {pct(b, 99):.0f}")


def rate(directory):
    s = sorted(t for t, _ in rtt_samples(directory).get("1", []))
    print(f"{(len(s) - 1) / ((s[-1] - s[0]) / 1000):.0f}" if len(s) > 1 and s[-1] > s[0] else "0")


def sippstat(path):
    ok = failed = 0
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"\s+(Successful|Failed) call\s+\|\s*\d+\s*\|\s*(\d+)", line)
            if m:
                if m.group(1) == "Successful":
                    ok = int(m.group(2))
                else:
                    failed = int(m.group(2))
    print(ok, failed)


def ts(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


def records(directory, tag):
    rows = []
    for path in glob.glob(os.path.join(directory, "calls-*.jsonl")):
        with open(path) as f:
            for line in f:
                if tag in line:
                    r = json.loads(line)
                    if tag in r.get("callId", ""):
                        rows.append(r)
    n = len(rows)
    outcomes = {}
    for r in rows:
        outcomes[r.get("outcome")] = outcomes.get(r.get("outcome"), 0) + 1
    agent = [r for r in rows if r.get("agent")]
    wait, ring, reach = [], [], []
    for r in agent:
        arrived, enq, off, ans = ts(r.get("arrived")), ts(r.get("enqueued")), ts(r.get("offered")), ts(r.get("answered"))
        if enq and off:
            wait.append((off - enq) * 1000)
        if off and ans:
            ring.append((ans - off) * 1000)
        if arrived and ans:
            reach.append((ans - arrived) * 1000)
    agents = {r["agent"] for r in agent}
    share = 100.0 * len(agent) / n if n else 0.0
    print(f"records {n} with_agent {len(agent)} ({share:.2f}%) distinct_agents {len(agents)} outcomes "
          + ",".join(f"{k}={v}" for k, v in sorted(outcomes.items(), key=lambda kv: str(kv[0]))))
    for name, v in (("queue->offer", wait), ("offer->agent-answer", ring), ("arrival->agent-answer", reach)):
        if v:
            print(f"  {name:22s} ms p50 {pct(v, 50):7.1f}  p99 {pct(v, 99):7.1f}  max {max(v):7.1f}")


def parse_metrics(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
            if m:
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
                try:
                    out.append((m.group(1), labels, float(m.group(3))))
                except ValueError:
                    pass
    return out


def metric(path, name, labels=""):
    want = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
    total = sum(v for n, l, v in parse_metrics(path) if n == name and all(l.get(k) == x for k, x in want.items()))
    print(f"{total:.0f}" if total == int(total) else f"{total:.6f}")


def lateness(before, after):
    def buckets(path):
        b = {}
        count = 0.0
        for n, l, v in parse_metrics(path):
            if n == "acd_rtp_send_lateness_seconds_bucket":
                b[float(l["le"]) if l["le"] != "+Inf" else math.inf] = b.get(float(l["le"]) if l["le"] != "+Inf" else math.inf, 0) + v
            elif n == "acd_rtp_send_lateness_seconds_count":
                count += v
        return b, count

    b0, c0 = buckets(before)
    b1, c1 = buckets(after)
    n = c1 - c0
    if n <= 0:
        print("frames 0")
        return
    le = sorted(b1)
    cum = {k: b1[k] - b0.get(k, 0) for k in le}
    late = {ms: 100.0 * (n - cum.get(ms / 1000, n)) / n for ms in (5, 10, 20)}
    p99 = next((k for k in le if cum[k] >= 0.99 * n), math.inf)
    p999 = next((k for k in le if cum[k] >= 0.999 * n), math.inf)
    print(f"frames {n:.0f} late>5ms {late[5]:.3f}% late>10ms {late[10]:.3f}% late>20ms {late[20]:.4f}% "
          f"p99<={p99 * 1000:g}ms p99.9<={p999 * 1000:g}ms")


def udprx():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    u = dict(zip(rows[0][1:], map(int, rows[1][1:])))
    print(u["InDatagrams"] + u["InErrors"] + u["NoPorts"])


def freeport(even=False):
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if not even:
            print(p)
            return
        if p % 2 or p > 65000:
            continue
        try:
            held = []
            for q in range(p, p + 4):
                t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                held.append(t)
                t.bind(("127.0.0.1", q))
            for t in held:
                t.close()
            print(p)
            return
        except OSError:
            for t in held:
                t.close()
    sys.exit("no free port")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sample":
        sample(int(args[0]), args[1], float(args[2]) if len(args) > 2 else 0.5)
    elif cmd == "window":
        window(args[0], float(args[1]), float(args[2]))
    elif cmd == "rtt":
        rtt(args[0])
    elif cmd == "rate":
        rate(args[0])
    elif cmd == "sippstat":
        sippstat(args[0])
    elif cmd == "records":
        records(args[0], args[1])
    elif cmd == "metric":
        metric(args[0], args[1], args[2] if len(args) > 2 else "")
    elif cmd == "lateness":
        lateness(args[0], args[1])
    elif cmd == "udprx":
        udprx()
    elif cmd == "freeport":
        freeport(bool(args and args[0] == "even"))
    else:
        sys.exit(__doc__)
