namespace Acd.Routing;

/// <summary>
/// Where queue and agent state lives, and where every routing decision is made atomically: a decision either
/// fully applies (agent reserved, call taken off its queue, lease scheduled, events produced) or not at all.
/// Implementations: <see cref="InMemoryQueueStore"/> (one node) and RedisQueueStore (Acd.Routing.Redis, shared by
/// nodes). Both pass the same contract test suite. Times come from the store's <see cref="TimeProvider"/>.
/// </summary>
public interface IQueueStore
{
    /// <summary>Upserts skills, queues and agents (existing agents keep their state). Returns the validation errors, if any, and loads nothing then.</summary>
    Task<IReadOnlyList<ConfigError>> LoadAsync(RoutingConfig config, CancellationToken cancellationToken = default);

    /// <summary>Login (Available), logout (LoggedOut), pause (Paused with a reason) or back to Available; an agent who becomes available may be reserved at once.</summary>
    Task<RoutingResult> SetAgentStateAsync(string agentId, AgentState state, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>A call arrives: it is offered to a free agent at once or waits in its queue.</summary>
    Task<RoutingResult> EnqueueAsync(CallRequest call, CancellationToken cancellationToken = default);

    /// <summary>The caller hung up while waiting or ringing.</summary>
    Task<RoutingResult> AbandonAsync(string callId, CancellationToken cancellationToken = default);

    /// <summary>Accept, reject, timeout or ring-no-answer of the reservation of <paramref name="agentId"/> for <paramref name="callId"/>.</summary>
    Task<RoutingResult> CompleteReservationAsync(string callId, string agentId, ReservationOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>The agent's answered call ended: wrap-up, then available (at once if the queue has no wrap-up time).</summary>
    Task<RoutingResult> EndCallAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>Runs what has fallen due (reservation leases, escalation steps, maximum waits, wrap-up ends) and reaps dead nodes, at most <paramref name="maxItems"/> items.</summary>
    Task<RoutingResult> ProcessDueAsync(int maxItems = 256, CancellationToken cancellationToken = default);

    /// <summary>The time of the earliest pending due item, so a driver can sleep until then.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks <paramref name="node"/> alive for <paramref name="ttl"/>. A node whose heartbeat lapses is reaped by <see cref="ProcessDueAsync"/>.</summary>
    Task HeartbeatAsync(string node, TimeSpan ttl, CancellationToken cancellationToken = default);

    Task<CallPosition?> GetCallPositionAsync(string callId, CancellationToken cancellationToken = default);

    Task<QueueSnapshot?> GetQueueSnapshotAsync(string queue, CancellationToken cancellationToken = default);

    Task<AgentSnapshot?> GetAgentAsync(string agentId, CancellationToken cancellationToken = default);
}

/// <summary>
/// A shared store whose decisions on one node can concern calls another node owns. The router subscribes with its
/// node id and republishes those events to its own subscribers (they are not counted in its metrics again).
/// </summary>
public interface IRemoteRoutingEvents
{
    Task<IAsyncDisposable> SubscribeRemoteAsync(string nodeId, Action<RoutingEvent> onEvent, CancellationToken cancellationToken = default);
}
