using Acd.Dialer.Campaigns;

namespace Acd.Dialer.Leads;

/// <summary>Where a lead is in its life.</summary>
public enum LeadState
{
    /// <summary>Waiting for its (next) attempt.</summary>
    Pending,

    /// <summary>A call to it is in progress.</summary>
    Dialing,

    /// <summary>No more attempts: reached, final outcome, limits used up, or DNC.</summary>
    Done,
}

/// <summary>One dial attempt and its outcome.</summary>
public sealed record LeadAttempt(DateTimeOffset StartedAt, DateTimeOffset EndedAt, CallOutcome Outcome, string? Trunk, string? AgentId);

/// <summary>
/// A number to call with its custom fields (passed to the agent's screen pop and to outbound IVR scripts).
/// Mutated only by the campaign that owns it, on its own loop.
/// </summary>
public sealed class Lead
{
    private readonly List<LeadAttempt> _attempts = [];

    public Lead(string id, string e164, IReadOnlyList<string> timeZones, IReadOnlyDictionary<string, string> fields, int sourceLine)
    {
        Id = id;
        E164 = e164;
        TimeZones = timeZones;
        Fields = fields;
        SourceLine = sourceLine;
    }

    public string Id { get; }

    public string E164 { get; }

    /// <summary>tzdb zones the number may be in (several for some area codes).</summary>
    public IReadOnlyList<string> TimeZones { get; }

    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>Line of the CSV record the lead came from (for audits).</summary>
    public int SourceLine { get; }

    public LeadState State { get; internal set; } = LeadState.Pending;

    /// <summary>Not to be dialed before this time (retry delay, calling window).</summary>
    public DateTimeOffset NotBefore { get; internal set; } = DateTimeOffset.MinValue;

    public IReadOnlyList<LeadAttempt> Attempts => _attempts;

    /// <summary>Final outcome when <see cref="State"/> is <see cref="LeadState.Done"/>.</summary>
    public CallOutcome? FinalOutcome { get; internal set; }

    public int AttemptsWith(CallOutcome outcome) => _attempts.Count(a => a.Outcome == outcome);

    /// <summary>When the last abandoned call to this lead ended, if any.</summary>
    public DateTimeOffset? LastAbandonedAt => _attempts.LastOrDefault(a => a.Outcome == CallOutcome.Abandoned)?.EndedAt;

    internal void Record(LeadAttempt attempt) => _attempts.Add(attempt);
}
