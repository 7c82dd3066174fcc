namespace Acd.Routing;

/// <summary>The state of an agent. Reserved, OnCall and WrapUp are entered only by routing decisions.</summary>
public enum AgentState
{
    LoggedOut = 0,
    Available = 1,
    Reserved = 2,
    OnCall = 3,
    WrapUp = 4,
    Paused = 5,
}

/// <summary>What happens when an escalation step falls due.</summary>
public enum EscalationAction
{
    /// <summary>Lower the minimum proficiency of every required skill to <see cref="EscalationStep.MinLevel"/>.</summary>
    Relax = 0,

    /// <summary>Move the call to <see cref="EscalationStep.Target"/> queue, keeping its original enqueue time.</summary>
    Overflow = 1,

    /// <summary>Take the call out of the queue; the server sends it to voicemail.</summary>
    Voicemail = 2,

    /// <summary>Take the call out of the queue; the server offers a callback.</summary>
    Callback = 3,
}

/// <summary>How a reservation (an agent ringing for a call) ended.</summary>
public enum ReservationOutcome
{
    Accepted = 0,
    Rejected = 1,
    TimedOut = 2,
    RingNoAnswer = 3,
}

/// <summary>A skill and the minimum proficiency (1-10) an agent needs.</summary>
public sealed record SkillRequirement(string Skill, int MinLevel);

/// <summary>One step of skill relaxation: after <see cref="After"/> of waiting, do <see cref="Action"/>.</summary>
public sealed record EscalationStep
{
    public required TimeSpan After { get; init; }

    public EscalationAction Action { get; init; } = EscalationAction.Relax;

    /// <summary>For <see cref="EscalationAction.Relax"/>: the new cap on every required level (1 means any level).</summary>
    public int MinLevel { get; init; } = 1;

    /// <summary>For <see cref="EscalationAction.Overflow"/>: the queue the call moves to.</summary>
    public string? Target { get; init; }
}

/// <summary>A queue. Agents serve a queue when they have every one of its skills (at any level).</summary>
public sealed record QueueConfig
{
    public required string Name { get; init; }

    public required IReadOnlyList<SkillRequirement> Skills { get; init; }

    /// <summary>Default priority of calls in this queue, 0 (lowest) to 9 (highest).</summary>
    public int Priority { get; init; }

    /// <summary>Name of the <see cref="IRoutingStrategy"/> (see <see cref="RoutingStrategies"/>).</summary>
    public string Strategy { get; init; } = RoutingStrategies.LongestIdle;

    public TimeSpan ServiceLevelThreshold { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Calls that wait this long leave the queue with a Transferred event to "max-wait". Zero: no limit.</summary>
    public TimeSpan MaxWait { get; init; }

    /// <summary>Maximum waiting calls; enqueue beyond it fails with <see cref="RoutingError.QueueFull"/>. Zero: no limit.</summary>
    public int MaxLength { get; init; }

    public TimeSpan WrapUp { get; init; }

    /// <summary>Lease of a reservation: the agent rings this long before the reservation times out.</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Abandons shorter than this count as short abandons (not against service level).</summary>
    public TimeSpan ShortAbandonThreshold { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Fairness weight between queues when an agent frees: wait time is multiplied by it. Must be positive.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Handle time assumed for the estimated wait until real calls have been handled.</summary>
    public TimeSpan InitialHandleTime { get; init; } = TimeSpan.FromSeconds(180);

    public IReadOnlyList<EscalationStep> Escalation { get; init; } = [];
}

/// <summary>An agent and its skills (skill name to proficiency 1-10). Capacity is one call.</summary>
public sealed record AgentConfig
{
    public required string Id { get; init; }

    public required IReadOnlyDictionary<string, int> Skills { get; init; }
}

/// <summary>The whole routing configuration: declared skills, queues and agents.</summary>
public sealed record RoutingConfig
{
    public required IReadOnlyList<string> Skills { get; init; }

    public required IReadOnlyList<QueueConfig> Queues { get; init; }

    public IReadOnlyList<AgentConfig> Agents { get; init; } = [];

    /// <summary>Ring-no-answers in a row after which an agent is paused with reason <see cref="RoutingReasons.RingNoAnswer"/>.</summary>
    public int RingNoAnswerLimit { get; init; } = 3;
}

/// <summary>A call asking to be queued.</summary>
public sealed record CallRequest
{
    public required string CallId { get; init; }

    public required string Queue { get; init; }

    /// <summary>Overrides the queue's priority (0-9).</summary>
    public int? Priority { get; init; }

    /// <summary>Skills needed beyond the queue's (e.g. a language picked in the IVR); relaxed by escalation like the queue's.</summary>
    public IReadOnlyList<SkillRequirement> ExtraSkills { get; init; } = [];

    /// <summary>The node that owns the caller's SIP leg.</summary>
    public required string Node { get; init; }

    /// <summary>
    /// When the caller first arrived (a transferred call or a callback), earlier than now: the call is ordered and its
    /// wait counted from then. Its max wait still counts from the enqueue. Null (or a future time): now.
    /// </summary>
    public DateTimeOffset? Arrived { get; init; }
}

/// <summary>Well-known reason codes.</summary>
public static class RoutingReasons
{
    public const string RingNoAnswer = "ring-no-answer";
    public const string MaxWait = "max-wait";
    public const string Voicemail = "voicemail";
    public const string Callback = "callback";
    public const string Rejected = "rejected";
    public const string TimedOut = "timed-out";
    public const string NodeLost = "node-lost";
}
