namespace Acd.Routing;

/// <summary>Kinds of routing events: the stream that call records and metrics consume.</summary>
public enum RoutingEventKind
{
    /// <summary>A call entered a queue (counted as offered to the queue).</summary>
    Enqueued = 0,

    /// <summary>An agent was reserved for a call and should ring; <see cref="RoutingEvent.WaitMs"/> is the wait so far.</summary>
    Offered = 1,

    /// <summary>The agent accepted; <see cref="RoutingEvent.WaitMs"/> is the final wait.</summary>
    Answered = 2,

    /// <summary>The caller hung up while waiting or ringing.</summary>
    Abandoned = 3,

    /// <summary>The call left the queue by escalation or limit; <see cref="RoutingEvent.Detail"/> names the target queue, "voicemail", "callback" or "max-wait".</summary>
    Transferred = 4,

    /// <summary>A reservation was rejected or timed out and the call went back to its queue with its original enqueue time.</summary>
    Requeued = 5,

    /// <summary>The answered call ended; <see cref="RoutingEvent.HandleMs"/> is its handle time.</summary>
    Ended = 6,

    /// <summary>The call's owning node died; the call is counted as lost by failure.</summary>
    Lost = 7,

    /// <summary>An agent changed state; <see cref="RoutingEvent.State"/> and <see cref="RoutingEvent.Detail"/> (reason).</summary>
    AgentStateChanged = 8,
}

/// <summary>One routing event. Times are Unix milliseconds of the deciding node's <see cref="TimeProvider"/>.</summary>
public sealed record RoutingEvent(
    RoutingEventKind Kind,
    long TimeMs,
    string? Queue,
    string? CallId,
    string? AgentId,
    AgentState State = AgentState.LoggedOut,
    long WaitMs = 0,
    long HandleMs = 0,
    string? Detail = null)
{
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(TimeMs);
}

/// <summary>Why an operation was refused.</summary>
public enum RoutingError
{
    None = 0,
    UnknownAgent,
    UnknownQueue,
    UnknownCall,
    DuplicateCall,
    QueueFull,
    IllegalTransition,
    NotReserved,
    InvalidRequest,
}

/// <summary>The outcome of one routing operation: an error (or none) and the events it produced, in order.</summary>
public sealed record RoutingResult(RoutingError Error, string? Reason, IReadOnlyList<RoutingEvent> Events)
{
    public static readonly RoutingResult Empty = new(RoutingError.None, null, []);

    public bool Succeeded => Error == RoutingError.None;

    /// <summary>The reservations this operation made (agent to ring for a call).</summary>
    public IEnumerable<RoutingEvent> Offers => Events.Where(e => e.Kind == RoutingEventKind.Offered);

    public static RoutingResult Fail(RoutingError error, string reason) => new(error, reason, []);
}

/// <summary>Where a waiting call stands.</summary>
public sealed record CallPosition(
    string CallId,
    string Queue,
    bool Waiting,
    int Position,
    int WaitingInQueue,
    int StaffedAgents,
    int AvailableAgents,
    double EffectiveStaff,
    double AverageHandleMs,
    long EnqueuedMs,
    string? AgentId)
{
    /// <summary>Estimated wait from now (null when nobody is staffed); see <see cref="WaitEstimator"/>.</summary>
    public TimeSpan? EstimatedWait => Waiting
        ? WaitEstimator.Estimate(Position, EffectiveStaff, AvailableAgents, AverageHandleMs)
        : TimeSpan.Zero;
}

/// <summary>Counters and current figures of one queue (shared by all nodes on the Redis store).</summary>
public sealed record QueueSnapshot
{
    public required string Queue { get; init; }

    public long Offered { get; init; }

    public long Answered { get; init; }

    public long Abandoned { get; init; }

    public long ShortAbandoned { get; init; }

    public long AnsweredWithinServiceLevel { get; init; }

    public long Transferred { get; init; }

    public long LostByFailure { get; init; }

    public long WaitSumMs { get; init; }

    public long HandleSumMs { get; init; }

    public long Handled { get; init; }

    public int Waiting { get; init; }

    public long LongestWaitMs { get; init; }

    public double AverageHandleMs { get; init; }

    public required IReadOnlyDictionary<AgentState, int> AgentsByState { get; init; }

    public int StaffedAgents => AgentsByState.Where(p => p.Key is not (AgentState.LoggedOut or AgentState.Paused)).Sum(p => p.Value);

    public int AvailableAgents => AgentsByState.TryGetValue(AgentState.Available, out var n) ? n : 0;

    /// <summary>Service level: answered within threshold over answered plus (long) abandoned; 1 when nothing happened.</summary>
    public double ServiceLevel
    {
        get
        {
            var denominator = Answered + Abandoned - ShortAbandoned;
            return denominator <= 0 ? 1.0 : (double)AnsweredWithinServiceLevel / denominator;
        }
    }

    /// <summary>Estimated wait of a call arriving now.</summary>
    /// <summary>Staffed agents weighted by their share of this queue: an agent serving k queues counts 1/k.</summary>
    public double EffectiveStaff { get; init; }

    public TimeSpan? EstimatedWait => WaitEstimator.Estimate(Waiting + 1, EffectiveStaff, AvailableAgents, AverageHandleMs);
}

/// <summary>One agent's routing state.</summary>
public sealed record AgentSnapshot(
    string AgentId,
    AgentState State,
    string? Reason,
    long SinceMs,
    string? CallId,
    int RingNoAnswers,
    int CallsToday,
    long TalkMsToday);
