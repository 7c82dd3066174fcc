namespace Acd.Dialer.Campaigns;

/// <summary>How a campaign places calls.</summary>
public enum DialMode
{
    /// <summary>The agent sees the lead first and dials it (or skips it).</summary>
    Preview,

    /// <summary>One line per free agent.</summary>
    Progressive,

    /// <summary>A fixed number of lines per free agent.</summary>
    Power,

    /// <summary>Adaptive lines per agent under an abandon-rate limit (see README.md).</summary>
    Predictive,

    /// <summary>Voice broadcast: message, press-1 for an agent, press-9 to opt out, or an outbound IVR script.</summary>
    Agentless,
}

/// <summary>Life cycle of a campaign.</summary>
public enum CampaignState
{
    Draft,
    Running,
    Paused,
    Finished,
}

/// <summary>Result code of one dial attempt.</summary>
public enum CallOutcome
{
    AnsweredHuman,
    Machine,
    Busy,
    NoAnswer,
    Failed,

    /// <summary>Not dialed: the number is on a do-not-call list (or the callee opted out during the call).</summary>
    Dnc,

    /// <summary>A live person answered and no agent was free within the 2-second rule.</summary>
    Abandoned,
}

/// <summary>What to do with a call answered by a machine.</summary>
public enum MachineAction
{
    Hangup,

    /// <summary>Wait for the beep (or the end of the greeting) and play the campaign's message.</summary>
    LeaveMessage,
}

/// <summary>The regulatory window over which the abandon rate is measured.</summary>
public static class AbandonWindows
{
    /// <summary>US FCC/FTC (TSR 16 CFR 310.4(b)(4)): 3% of live-answered calls per campaign per 30 days.</summary>
    public static readonly TimeSpan Fcc = TimeSpan.FromDays(30);

    /// <summary>UK Ofcom: 3% per campaign per 24 hours.</summary>
    public static readonly TimeSpan Ofcom = TimeSpan.FromHours(24);
}
