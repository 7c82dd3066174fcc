using Acd.Routing;
using Acd.Sip;

namespace Acd.Server.Metrics;

/// <summary>
/// The documented metrics (docs/operations.md's table: same names and labels) that
/// <see cref="PrometheusMeterBridge"/> exports from the moment their instrument is published rather than from
/// their first measurement, so a dashboard shows 0 instead of "no data" and <c>increase()</c>/<c>rate()</c>
/// count a series' first event:
/// <list type="bullet">
/// <item>a metric without labels exports 0 (a histogram: empty buckets);</item>
/// <item>a metric whose only label is <c>queue</c> exports a 0 series for every queue any Acd metric has named
/// (routing names each configured queue at load, and again for queues added by a reload);</item>
/// <item>a metric whose only label has a closed set of values (outcome, reason, kind, direction, ...) exports a 0
/// series for each value listed here;</item>
/// <item>the others (several labels, or values that are not known in advance: script, node, campaign, code,
/// file, sink) export their HELP and TYPE lines only, until their first measurement.</item>
/// </list>
/// </summary>
public static class MetricCatalog
{
    /// <summary>The label that <see cref="PrometheusMeterBridge"/> fills with every queue it has seen.</summary>
    public const string QueueLabel = "queue";

    /// <summary>Documented metric name to its label names (sorted) and the values seeded for its only label.</summary>
    public static IReadOnlyDictionary<string, MetricSeed> Metrics { get; } = Build();

    private static Dictionary<string, MetricSeed> Build()
    {
        string[] none = [];
        string[] direction = ["in", "out"];
        string[] transport = ["udp", "tcp"];
        var parseErrors = Enum.GetValues<SipParseErrorCode>().Where(c => c != SipParseErrorCode.None)
            .Select(c => new SipParseError(c, 0, string.Empty, 0).MetricTag)
            .Concat(["no_via", "response_without_via_or_cseq"]).Distinct(StringComparer.Ordinal).ToArray();
        var routingErrors = Enum.GetValues<RoutingError>().Where(e => e != RoutingError.None).Select(e => e.ToString()).ToArray();
        var metrics = new Dictionary<string, MetricSeed>(StringComparer.Ordinal);
        void Add(string name, string labels, string[]? values = null) =>
            metrics.Add(name, new MetricSeed([.. labels.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)], values ?? none));

        foreach (var name in (string[])["acd_queue_calls_waiting", "acd_queue_longest_wait_seconds", "acd_queue_calls_offered_total",
            "acd_queue_calls_answered_total", "acd_queue_calls_abandoned_total", "acd_queue_calls_lost_total",
            "acd_queue_calls_answered_within_sl_total", "acd_queue_wait_seconds", "acd_queue_handle_seconds", "acd_queue_talk_seconds",
            "acd_queue_estimated_wait_seconds", "acd_agent_ring_no_answer_total"])
        {
            Add(name, QueueLabel);
        }

        Add("acd_agents", "queue,state");
        Add("acd_agent_legs_total", "result", ["answered", "rejected", "no_answer", "unreachable", "cancelled"]);
        Add("acd_agent_ring_seconds", "");
        Add("acd_agent_presence_changes_total", "change", ["login", "logout"]);
        Add("acd_feature_codes_total", "code,result");
        Add("acd_supervisions_total", "mode", ["listen", "whisper", "barge"]);
        Add("acd_calls_active", "");
        Add("acd_calls_total", "outcome", ["answered", "abandoned", "callback", "voicemail", "completed", "failed"]);
        Add("acd_calls_refused_total", "reason", ["unknown_number", "no_sdp", "bad_sdp", "no_media_port", "no_script", "draining"]);
        Add("acd_ivr_calls_active", "script");
        Add("acd_ivr_node_visits_total", "script,node");
        Add("acd_ivr_input_errors_total", "script,node,reason");
        Add("acd_ivr_script_errors_total", "file");
        Add("acd_ivr_media_prompts_total", "end", ["completed", "cancelled", "stopped"]);
        Add("acd_ivr_media_prompt_errors_total", "");
        Add("acd_ivr_media_recording_frames_dropped_total", "");
        Add("acd_sip_requests_total", "method", ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO"]);
        Add("acd_sip_responses_total", "code");
        Add("acd_sip_parse_errors_total", "reason", parseErrors);
        Add("acd_sip_auth_failures_total", "reason", ["malformed", "missing_qop", "bad_nonce", "unknown_user", "bad_response", "replay", "bad_nonce_count"]);
        Add("acd_sip_auth_blocked_total", "");
        Add("acd_sip_transactions_timed_out_total", "kind", ["client_invite", "client_non_invite", "server_invite", "ack_wait"]);
        Add("acd_sip_transport_received_total", "transport", transport);
        Add("acd_sip_transport_sent_total", "transport", transport);
        Add("acd_sip_transport_dropped_total", "reason");
        Add("acd_sip_transport_connections", "");
        Add("acd_sip_transport_connections_closed_total", "reason");
        Add("acd_rtp_packets_total", "direction", direction);
        Add("acd_rtp_bytes_total", "direction", direction);
        Add("acd_rtp_packets_lost_total", "");
        Add("acd_rtp_packets_late_total", "");
        Add("acd_rtp_packets_dropped_total", "reason", ["malformed", "unexpected_source", "unknown_payload_type", "duplicate", "recorder_backpressure"]);
        Add("acd_rtp_jitter_seconds", "");
        Add("acd_rtp_send_lateness_seconds", "");
        Add("acd_redis_command_seconds", "");
        Add("acd_redis_errors_total", "");
        Add("acd_routing_rejected_requests_total", "error", routingErrors);
        Add("acd_node_up", "");
        Add("acd_config_reloads_total", "result", ["applied", "rejected"]);
        Add("acd_dialer_calls_total", "campaign,outcome");
        Add("acd_dialer_abandon_ratio", "campaign");
        Add("acd_dialer_dial_level", "campaign");
        Add("acd_dialer_trunk_failures_total", "reason,trunk");
        Add("acd_dialer_compliance_blocks_total", "campaign,rule");
        Add("acd_dialer_refused_total", "campaign,reason");
        Add("acd_dialer_import_rejected_rows_total", "campaign");
        Add("acd_dialer_amd_seconds", "campaign");
        Add("acd_call_records_written_total", "sink");
        Add("acd_call_records_dropped_total", "sink");
        Add("acd_call_records_errors_total", "sink");
        Add("acd_api_requests_total", "code,endpoint");
        Add("acd_api_auth_failures_total", "reason", ["missing", "invalid", "not-loopback", "forbidden"]);
        Add("acd_api_event_clients_dropped_total", "");
        Add("acd_webhook_deliveries_total", "result", ["delivered", "retried", "failed"]);
        Add("acd_webhook_dropped_total", "");
        return metrics;
    }
}

/// <summary>A documented metric's label names (sorted) and the values of its only label exported at 0 from the start.</summary>
/// <param name="Labels">Label names, sorted ordinally (the order the bridge creates them in).</param>
/// <param name="Values">Seeded values of the only label (empty: none, or the label is <see cref="MetricCatalog.QueueLabel"/>).</param>
public sealed record MetricSeed(IReadOnlyList<string> Labels, IReadOnlyList<string> Values);
