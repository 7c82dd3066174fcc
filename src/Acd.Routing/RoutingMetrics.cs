using System.Diagnostics.Metrics;

namespace Acd.Routing;

/// <summary>
/// System.Diagnostics.Metrics instruments of the "Acd.Routing" meter. Instrument names are the Prometheus names
/// the server exports; tags are bounded (queue, state), never call or agent ids. Gauges read the last snapshots
/// that <see cref="AcdRouter.RefreshSnapshotsAsync"/> stored.
/// </summary>
public sealed class RoutingMetrics : IDisposable
{
    public const string MeterName = "Acd.Routing";

    private readonly Meter _meter;
    private readonly Counter<long> _offered;
    private readonly Counter<long> _answered;
    private readonly Counter<long> _abandoned;
    private readonly Counter<long> _withinSl;
    private readonly Counter<long> _rna;
    private readonly Counter<long> _redisErrors;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _lost;
    private readonly Histogram<double> _wait;
    private readonly Histogram<double> _handle;
    private readonly Histogram<double> _redisCommand;
    private readonly Dictionary<string, TimeSpan> _serviceLevels = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<QueueSnapshot> _snapshots = [];
    private volatile bool _nodeUp;

    public RoutingMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _offered = _meter.CreateCounter<long>("acd_queue_calls_offered_total", description: "Calls that entered a queue.");
        _answered = _meter.CreateCounter<long>("acd_queue_calls_answered_total", description: "Calls answered by an agent.");
        _abandoned = _meter.CreateCounter<long>("acd_queue_calls_abandoned_total", description: "Callers who hung up while queued or ringing.");
        _withinSl = _meter.CreateCounter<long>("acd_queue_calls_answered_within_sl_total", description: "Calls answered within the queue's service-level threshold.");
        _lost = _meter.CreateCounter<long>("acd_queue_calls_lost_total", description: "Waiting calls lost because their node stopped heartbeating (counted by the node that noticed).");
        _rna = _meter.CreateCounter<long>("acd_agent_ring_no_answer_total", description: "Reservations that rang out without answer.");
        _redisErrors = _meter.CreateCounter<long>("acd_redis_errors_total", description: "Redis connection failures and timeouts (each retried).");
        _rejected = _meter.CreateCounter<long>("acd_routing_rejected_requests_total", description: "Routing requests refused with an error value (tag: error).");
        _wait = _meter.CreateHistogram<double>("acd_queue_wait_seconds", "s", "Wait of answered calls, enqueue to answer (its sum over its count is ASA).");
        _handle = _meter.CreateHistogram<double>("acd_queue_talk_seconds", "s", "Talk time of answered calls (answer to hang-up); handle time with wrap-up is acd_queue_handle_seconds from the call layer.");
        _redisCommand = _meter.CreateHistogram<double>("acd_redis_command_seconds", "s", "Duration of one Redis routing script call.");
        _meter.CreateObservableGauge("acd_queue_calls_waiting", () => Each(s => s.Waiting));
        _meter.CreateObservableGauge("acd_queue_longest_wait_seconds", () => Each(s => s.LongestWaitMs / 1000.0));
        _meter.CreateObservableGauge("acd_queue_estimated_wait_seconds", () => Each(s => s.EstimatedWait?.TotalSeconds ?? -1));
        _meter.CreateObservableGauge("acd_agents", AgentsByState);
        _meter.CreateObservableGauge("acd_node_up", () => _nodeUp ? 1 : 0);

        // Counters start at 0 rather than at their first event: Prometheus's increase()/rate() cannot count the
        // first event of a series that appears with value 1.
        _redisErrors.Add(0);
    }

    internal void SetServiceLevel(string queue, TimeSpan threshold)
    {
        lock (_serviceLevels)
        {
            _serviceLevels[queue] = threshold;
        }

        var tag = new KeyValuePair<string, object?>("queue", queue);
        foreach (var counter in (Counter<long>[])[_offered, _answered, _abandoned, _withinSl, _lost, _rna])
        {
            counter.Add(0, tag);
        }
    }

    internal void SetSnapshots(IReadOnlyList<QueueSnapshot> snapshots) => _snapshots = snapshots;

    internal void SetNodeUp(bool up) => _nodeUp = up;

    public void RecordRedisCommand(TimeSpan elapsed) => _redisCommand.Record(elapsed.TotalSeconds);

    public void RedisError() => _redisErrors.Add(1);

    internal void Rejected(RoutingError error) => _rejected.Add(1, new KeyValuePair<string, object?>("error", error.ToString()));

    internal void Record(RoutingEvent e)
    {
        var queue = new KeyValuePair<string, object?>("queue", e.Queue);
        switch (e.Kind)
        {
            case RoutingEventKind.Enqueued:
                _offered.Add(1, queue);
                break;
            case RoutingEventKind.Answered:
                _answered.Add(1, queue);
                _wait.Record(e.WaitMs / 1000.0, queue);
                TimeSpan sl;
                lock (_serviceLevels)
                {
                    sl = _serviceLevels.GetValueOrDefault(e.Queue ?? "", TimeSpan.Zero);
                }

                if (e.WaitMs <= sl.TotalMilliseconds)
                {
                    _withinSl.Add(1, queue);
                }

                break;
            case RoutingEventKind.Abandoned:
                _abandoned.Add(1, queue);
                break;
            case RoutingEventKind.Lost:
                _lost.Add(1, queue);
                break;
            case RoutingEventKind.Ended:
                _handle.Record(e.HandleMs / 1000.0, queue);
                break;
            case RoutingEventKind.Requeued when e.Detail is RoutingReasons.RingNoAnswer or RoutingReasons.TimedOut:
                _rna.Add(1, queue);
                break;
            default:
                break;
        }
    }

    private IEnumerable<Measurement<double>> Each(Func<QueueSnapshot, double> value) =>
        _snapshots.Select(s => new Measurement<double>(value(s), new KeyValuePair<string, object?>("queue", s.Queue)));

    private IEnumerable<Measurement<int>> AgentsByState() =>
        _snapshots.SelectMany(s => s.AgentsByState.Select(p => new Measurement<int>(
            p.Value, new KeyValuePair<string, object?>("queue", s.Queue), new KeyValuePair<string, object?>("state", p.Key.ToString()))));

    public void Dispose() => _meter.Dispose();
}
