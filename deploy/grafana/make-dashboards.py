#!/usr/bin/env python3
"""Writes Acd's Grafana dashboards (dashboards/*.json). Edit the panels here and run it again."""
import json, os

DS = {"type": "prometheus", "uid": "acd-prometheus"}
HERE = os.path.dirname(os.path.abspath(__file__))


def panel(pid, title, exprs, kind="timeseries", unit="short", x=0, y=0, w=12, h=8, legend="{{queue}}", mappings=None):
    """One panel; legend is one format for every query or a list with one per query (an aggregate such as
    sum(...) keeps no __name__, so queries of different metrics in one panel need their own names)."""
    legends = legend if isinstance(legend, list) else [legend] * len(exprs)
    assert len(legends) == len(exprs), title
    targets = [{"datasource": DS, "expr": e, "legendFormat": l, "refId": chr(65 + i)} for i, (e, l) in enumerate(zip(exprs, legends))]
    defaults = {"unit": unit}
    if mappings:
        defaults["mappings"] = mappings
    return {"id": pid, "type": kind, "title": title, "datasource": DS, "targets": targets,
            "gridPos": {"x": x, "y": y, "w": w, "h": h},
            "fieldConfig": {"defaults": defaults, "overrides": []}, "options": {}}


def dashboard(uid, title, panels, queue_var=True):
    templating = {"list": []}
    if queue_var:
        templating["list"].append({"name": "queue", "type": "query", "datasource": DS,
                                   "query": "label_values(acd_queue_calls_waiting, queue)",
                                   "includeAll": True, "multi": True, "current": {"text": "All", "value": "$__all"},
                                   "refresh": 2})
    return {"uid": uid, "title": title, "tags": ["acd"], "timezone": "browser", "schemaVersion": 39,
            "refresh": "10s", "time": {"from": "now-1h", "to": "now"}, "templating": templating,
            "panels": panels, "editable": True}


Q = '{queue=~"$queue"}'
wallboard = dashboard("acd-wallboard", "Acd wallboard", [
    panel(1, "Calls waiting", [f"max by (queue) (acd_queue_calls_waiting{Q})"], "stat", x=0, y=0, w=6, h=5),
    panel(2, "Longest wait", [f"max by (queue) (acd_queue_longest_wait_seconds{Q})"], "stat", "s", x=6, y=0, w=6, h=5),
    panel(3, "Service level (15 min)", [f"queue:acd_service_level:ratio_15m{Q}"], "stat", "percentunit", x=12, y=0, w=6, h=5),
    panel(4, "Abandon rate (15 min)", [f"queue:acd_abandon:ratio_15m{Q}"], "stat", "percentunit", x=18, y=0, w=6, h=5),
    panel(5, "ASA (15 min)", [f"queue:acd_asa_seconds:15m{Q}"], "stat", "s", x=0, y=5, w=6, h=5),
    # -1: no estimate yet (no handled calls or no agent to serve the queue).
    panel(6, "Estimated wait", [f"max by (queue) (acd_queue_estimated_wait_seconds{Q})"], "stat", "s", x=6, y=5, w=6, h=5,
          mappings=[{"type": "value", "options": {"-1": {"text": "unknown"}}}]),
    # Per queue: an agent serving several queues is counted in each, so states are not summed across queues.
    panel(7, "Agents by state", [f"max by (queue, state) (acd_agents{Q})"], "bargauge", x=12, y=5, w=12, h=5, legend="{{queue}} {{state}}"),
    panel(8, "Offered / answered / abandoned (per 15 min)", [
        f"sum by (queue) (increase(acd_queue_calls_offered_total{Q}[15m]))",
        f"sum by (queue) (increase(acd_queue_calls_answered_total{Q}[15m]))",
        f"sum by (queue) (increase(acd_queue_calls_abandoned_total{Q}[15m]))"], x=0, y=10, w=24, h=8,
        legend=["{{queue}} offered", "{{queue}} answered", "{{queue}} abandoned"]),
    panel(9, "Service level (1 h)", [f"queue:acd_service_level:ratio_1h{Q}"], unit="percentunit", x=0, y=18),
    panel(10, "Wait of answered calls, p90", [f"histogram_quantile(0.9, sum by (queue, le) (rate(acd_queue_wait_seconds_bucket{Q}[15m])))"], unit="s", x=12, y=18),
])

agents = dashboard("acd-agents", "Acd agents", [
    panel(1, "Agents by state", [f"max by (queue, state) (acd_agents{Q})"], x=0, y=0, w=24, legend="{{queue}} {{state}}"),
    panel(2, "Occupancy (15 min)", [f"queue:acd_occupancy:ratio_15m{Q}"], unit="percentunit", x=0, y=8),
    panel(3, "Average handle time (1 h)", [f"queue:acd_aht_seconds:1h{Q}"], unit="s", x=12, y=8),
    panel(4, "Ring-no-answer (per hour)", ["sum (increase(acd_agent_ring_no_answer_total[1h]))"], x=0, y=16, legend="ring-no-answer"),
    panel(5, "Handle time p90", [f"histogram_quantile(0.9, sum by (queue, le) (rate(acd_queue_handle_seconds_bucket{Q}[1h])))"], unit="s", x=12, y=16),
])

telephony = dashboard("acd-telephony", "Acd telephony health", [
    panel(1, "SIP requests by method", ["sum by (method) (rate(acd_sip_requests_total[5m]))"], unit="reqps", legend="{{method}}", x=0, y=0),
    panel(2, "SIP responses by code", ["sum by (code) (rate(acd_sip_responses_total[5m]))"], unit="reqps", legend="{{code}}", x=12, y=0),
    panel(3, "SIP parse errors, auth failures, transaction timeouts", [
        "sum (rate(acd_sip_parse_errors_total[5m]))",
        "sum (rate(acd_sip_auth_failures_total[5m]))",
        "sum (rate(acd_sip_transactions_timed_out_total[5m]))"], legend=["parse errors", "auth failures", "transaction timeouts"], x=0, y=8),
    panel(4, "Active calls and IVR calls", ["sum (acd_calls_active)", "sum (acd_ivr_calls_active)"], legend=["calls", "in IVR"], x=12, y=8),
    panel(5, "RTP packets", ["sum by (direction) (rate(acd_rtp_packets_total[1m]))"], unit="pps", legend="{{direction}}", x=0, y=16),
    panel(6, "RTP loss (packets/s)", ["sum (rate(acd_rtp_packets_lost_total[5m]))"], unit="pps", legend="lost", x=12, y=16),
    panel(7, "RTP jitter p95", ["histogram_quantile(0.95, sum by (le) (rate(acd_rtp_jitter_seconds_bucket[5m])))"], unit="s", legend="p95", x=0, y=24),
    panel(8, "Media send lateness p99", ["histogram_quantile(0.99, sum by (le) (rate(acd_rtp_send_lateness_seconds_bucket[5m])))"], unit="s", legend="p99", x=12, y=24),
    panel(9, "Redis command time p99", ["histogram_quantile(0.99, sum by (le) (rate(acd_redis_command_seconds_bucket[5m])))"], unit="s", legend="p99", x=0, y=32),
    panel(10, "Redis errors and nodes up", ["sum (rate(acd_redis_errors_total[5m]))", "sum (acd_node_up)"], legend=["Redis errors/s", "nodes up"], x=12, y=32),
    panel(11, "IVR input errors and node visits", ["sum (rate(acd_ivr_input_errors_total[5m]))", "topk(10, sum by (script, node) (rate(acd_ivr_node_visits_total[5m])))"],
          legend=["input errors", "{{script}} {{node}}"], x=0, y=40, w=24),
], queue_var=False)

dialer = dashboard("acd-dialer", "Acd dialer", [
    panel(1, "Calls by outcome", ["sum by (campaign, outcome) (rate(acd_dialer_calls_total[5m]))"], unit="cps", legend="{{campaign}} {{outcome}}", x=0, y=0, w=24),
    panel(2, "Abandon ratio (regulatory window)", ["max by (campaign) (acd_dialer_abandon_ratio)"], unit="percentunit", legend="{{campaign}}", x=0, y=8),
    panel(3, "Dial level (lines per agent)", ["max by (campaign) (acd_dialer_dial_level)"], legend="{{campaign}}", x=12, y=8),
], queue_var=False)

for name, d in [("wallboard", wallboard), ("agents", agents), ("telephony", telephony), ("dialer", dialer)]:
    with open(os.path.join(HERE, "dashboards", f"acd-{name}.json"), "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
