using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Routing;

/// <summary>Options of one routing node.</summary>
public sealed record RoutingOptions
{
    /// <summary>This node's id; it owns the calls it enqueues.</summary>
    public required string NodeId { get; init; }

    /// <summary>How long a heartbeat keeps this node alive. Several ticks, so one missed tick does not kill it.</summary>
    public TimeSpan HeartbeatTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often <see cref="AcdRouter.RunAsync"/> heartbeats and processes due items.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Events buffered per subscriber before the oldest are dropped.</summary>
    public int EventBufferCapacity { get; init; } = 10_000;

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        if (!RoutingConfigValidator.IsName(NodeId))
        {
            errors.Add(new("routing.nodeId", NodeId ?? "", "node id must be 1-64 characters without spaces, '|', ',', '=' or ':'"));
        }

        if (TickInterval <= TimeSpan.Zero)
        {
            errors.Add(new("routing.tickInterval", "tickInterval", "must be greater than zero"));
        }

        if (HeartbeatTtl <= TickInterval)
        {
            errors.Add(new("routing.heartbeatTtl", "heartbeatTtl", "must be longer than the tick interval"));
        }

        if (EventBufferCapacity < 1)
        {
            errors.Add(new("routing.eventBufferCapacity", "eventBufferCapacity", "must be at least 1"));
        }

        return errors;
    }
}

/// <summary>
/// The routing API the server calls: configuration, agent state, calls, reservations, queries, and the event
/// stream. Every operation is one atomic store decision; the events it produced are published to subscribers
/// and to the "Acd.Routing" meter, in order. Run <see cref="RunAsync"/> (from a hosted service) to heartbeat and
/// to fire leases, escalation steps, maximum waits and wrap-up ends on time.
/// </summary>
public sealed class AcdRouter
{
    private readonly IQueueStore _store;
    private readonly RoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RoutingMetrics? _metrics;
    private readonly Lock _subscribersGate = new();
    private Channel<RoutingEvent>[] _subscribers = [];
    private IAsyncDisposable? _remote;
    private string[] _queues = [];

    public AcdRouter(IQueueStore store, RoutingOptions options, TimeProvider time, ILogger<AcdRouter>? logger = null, RoutingMetrics? metrics = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger<AcdRouter>.Instance;
        _metrics = metrics;
    }

    public string NodeId => _options.NodeId;

    public IQueueStore Store => _store;

    public async Task<IReadOnlyList<ConfigError>> LoadAsync(RoutingConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = await _store.LoadAsync(config, cancellationToken).ConfigureAwait(false);
        if (errors.Count == 0)
        {
            _queues = config.Queues.Select(q => q.Name).ToArray();
            foreach (var q in config.Queues)
            {
                _metrics?.SetServiceLevel(q.Name, q.ServiceLevelThreshold);
            }
        }

        return errors;
    }

    public Task<RoutingResult> LoginAsync(string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.SetAgentStateAsync(agentId, AgentState.Available, null, cancellationToken));

    public Task<RoutingResult> MakeAvailableAsync(string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.SetAgentStateAsync(agentId, AgentState.Available, null, cancellationToken));

    public Task<RoutingResult> PauseAsync(string agentId, string reason, CancellationToken cancellationToken = default) =>
        Publish(_store.SetAgentStateAsync(agentId, AgentState.Paused, reason, cancellationToken));

    public Task<RoutingResult> LogoutAsync(string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.SetAgentStateAsync(agentId, AgentState.LoggedOut, null, cancellationToken));

    /// <summary>A call arrives in <paramref name="queue"/>, owned by this node.</summary>
    public Task<RoutingResult> EnqueueAsync(string callId, string queue, int? priority = null, IReadOnlyList<SkillRequirement>? extraSkills = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new CallRequest { CallId = callId, Queue = queue, Priority = priority, ExtraSkills = extraSkills ?? [], Node = _options.NodeId }, cancellationToken);

    /// <summary>A call arrives in <paramref name="request"/>'s queue (its node is set to this node), e.g. a transfer keeping its original arrival.</summary>
    public Task<RoutingResult> EnqueueAsync(CallRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Publish(_store.EnqueueAsync(request with { Node = _options.NodeId }, cancellationToken));
    }

    public Task<RoutingResult> AbandonAsync(string callId, CancellationToken cancellationToken = default) =>
        Publish(_store.AbandonAsync(callId, cancellationToken));

    public Task<RoutingResult> AcceptAsync(string callId, string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.CompleteReservationAsync(callId, agentId, ReservationOutcome.Accepted, cancellationToken));

    public Task<RoutingResult> RejectAsync(string callId, string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.CompleteReservationAsync(callId, agentId, ReservationOutcome.Rejected, cancellationToken));

    /// <summary>The agent's phone rang without answer (the call leg timed out or returned no answer).</summary>
    public Task<RoutingResult> RingNoAnswerAsync(string callId, string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.CompleteReservationAsync(callId, agentId, ReservationOutcome.RingNoAnswer, cancellationToken));

    /// <summary>The agent's call ended: wrap-up, then available.</summary>
    public Task<RoutingResult> EndCallAsync(string agentId, CancellationToken cancellationToken = default) =>
        Publish(_store.EndCallAsync(agentId, cancellationToken));

    public Task<RoutingResult> ProcessDueAsync(CancellationToken cancellationToken = default) =>
        Publish(_store.ProcessDueAsync(256, cancellationToken));

    public Task HeartbeatAsync(CancellationToken cancellationToken = default) =>
        _store.HeartbeatAsync(_options.NodeId, _options.HeartbeatTtl, cancellationToken);

    public Task<CallPosition?> GetPositionAsync(string callId, CancellationToken cancellationToken = default) =>
        _store.GetCallPositionAsync(callId, cancellationToken);

    public Task<QueueSnapshot?> GetQueueSnapshotAsync(string queue, CancellationToken cancellationToken = default) =>
        _store.GetQueueSnapshotAsync(queue, cancellationToken);

    public Task<AgentSnapshot?> GetAgentAsync(string agentId, CancellationToken cancellationToken = default) =>
        _store.GetAgentAsync(agentId, cancellationToken);

    /// <summary>Statistics of every configured queue (also feeds the meter's gauges).</summary>
    public async Task<IReadOnlyList<QueueSnapshot>> RefreshSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<QueueSnapshot>(_queues.Length);
        foreach (var q in _queues)
        {
            if (await _store.GetQueueSnapshotAsync(q, cancellationToken).ConfigureAwait(false) is { } s)
            {
                list.Add(s);
            }
        }

        _metrics?.SetSnapshots(list);
        return list;
    }

    /// <summary>
    /// Subscribes to the event stream. Events of each decision arrive in order; a subscriber that falls more than
    /// <see cref="RoutingOptions.EventBufferCapacity"/> behind loses the oldest. Dispose the subscription to stop.
    /// </summary>
    public RoutingEventSubscription Subscribe()
    {
        var channel = Channel.CreateBounded<RoutingEvent>(new BoundedChannelOptions(_options.EventBufferCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_subscribersGate)
        {
            _subscribers = [.. _subscribers, channel];
        }

        return new RoutingEventSubscription(channel.Reader, () =>
        {
            lock (_subscribersGate)
            {
                _subscribers = _subscribers.Where(c => c != channel).ToArray();
            }

            channel.Writer.TryComplete();
        });
    }

    /// <summary>
    /// On a shared store, starts receiving events of other nodes' decisions about this node's calls (an agent freed
    /// on another node took one of our callers: we must ring it). Idempotent; <see cref="RunAsync"/> calls it.
    /// </summary>
    public async Task StartRemoteEventsAsync(CancellationToken cancellationToken = default)
    {
        if (_store is not IRemoteRoutingEvents remote || _remote is not null)
        {
            return;
        }

        _remote = await remote.SubscribeRemoteAsync(_options.NodeId, e =>
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(e);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Heartbeats and processes due items every tick until cancelled (call from a hosted service).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.TickInterval, _time);
        do
        {
            try
            {
                await StartRemoteEventsAsync(cancellationToken).ConfigureAwait(false);
                await HeartbeatAsync(cancellationToken).ConfigureAwait(false);
                _metrics?.SetNodeUp(true);
                RoutingResult result;
                do
                {
                    result = await ProcessDueAsync(cancellationToken).ConfigureAwait(false);
                }
                while (result.Events.Count > 0 && !cancellationToken.IsCancellationRequested);

                await RefreshSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _metrics?.SetNodeUp(false);
                Log.DueLoopFailed(_logger, ex);
            }
        }
        while (await WaitTick(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<RoutingResult> Publish(Task<RoutingResult> operation)
    {
        var result = await operation.ConfigureAwait(false);
        if (!result.Succeeded)
        {
            _metrics?.Rejected(result.Error);
            Log.Refused(_logger, result.Error, result.Reason);
            return result;
        }

        if (result.Events.Count == 0)
        {
            return result;
        }

        var subscribers = _subscribers;
        foreach (var e in result.Events)
        {
            _metrics?.Record(e);
            if (e.Kind == RoutingEventKind.Lost)
            {
                Log.CallLost(_logger, e.CallId, e.Detail);
            }
            else if (e.Kind == RoutingEventKind.AgentStateChanged && e.Detail == RoutingReasons.RingNoAnswer)
            {
                Log.AutoPaused(_logger, e.AgentId);
            }

            foreach (var s in subscribers)
            {
                s.Writer.TryWrite(e);
            }
        }

        return result;
    }
}

/// <summary>A subscription to routing events; dispose to unsubscribe.</summary>
public sealed class RoutingEventSubscription(ChannelReader<RoutingEvent> reader, Action unsubscribe) : IDisposable
{
    public ChannelReader<RoutingEvent> Reader { get; } = reader;

    public void Dispose() => unsubscribe();
}
