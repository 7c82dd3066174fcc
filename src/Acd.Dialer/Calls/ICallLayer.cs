using Acd.Dialer.Leads;

namespace Acd.Dialer.Calls;

/// <summary>What the network said about an outbound call.</summary>
public enum DialProgress
{
    Ringing,
    Answered,
    Busy,
    NoAnswer,
    Failed,
}

/// <summary>A request to place one outbound call.</summary>
public sealed record OriginateRequest
{
    public required string CallId { get; init; }

    public required string CampaignId { get; init; }

    /// <summary>Callee in E.164.</summary>
    public required string Destination { get; init; }

    /// <summary>E.164 caller ID for From and P-Asserted-Identity.</summary>
    public required string CallerId { get; init; }

    public required string Trunk { get; init; }

    /// <summary>The call layer cancels the attempt (CANCEL) after this time without answer.</summary>
    public required TimeSpan RingTimeout { get; init; }

    /// <summary>Custom fields of the lead, for the screen pop (SIP header to the agent) and outbound IVR scripts.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>Proof of authorisation (see <see cref="DialAuthorization"/>); the call layer refuses requests without it.</summary>
    public required DialAuthorization Authorization { get; init; }

    /// <summary>
    /// The channel taken on <see cref="Trunk"/>; the call layer fails over with it (503, timeout, auth failure: the next
    /// trunk of the campaign) and the dialer releases it when the call ends. Null: no failover.
    /// </summary>
    public Trunks.TrunkLease? Lease { get; init; }
}

/// <summary>How <see cref="IOutboundCall.ConnectToAgentAsync"/> hands an answered call to the agents.</summary>
public sealed record AgentConnectRequest
{
    public required string Queue { get; init; }

    /// <summary>A named agent (callbacks promised to one agent), or null for the queue's best agent.</summary>
    public string? AgentId { get; init; }

    public int Priority { get; init; } = 5;

    public required Lead Lead { get; init; }

    /// <summary>The campaign (or origin) named in the record.</summary>
    public string? Campaign { get; init; }

    /// <summary><c>outbound</c> or <c>callback</c>, for the record.</summary>
    public string Direction { get; init; } = "outbound";

    /// <summary>No agent within this time: <see cref="AbandonPrompt"/> plays, the call ends abandoned (the 2-second rule).</summary>
    public TimeSpan? MaxWait { get; init; }

    /// <summary>The identification message played when <see cref="MaxWait"/> passes.</summary>
    public string? AbandonPrompt { get; init; }

    /// <summary>When the wait began (a callback's original arrival); null: now.</summary>
    public DateTimeOffset? Arrived { get; init; }
}

/// <summary>How a hand-over to the agents ended.</summary>
public enum AgentConnectOutcome
{
    /// <summary>An agent has the call.</summary>
    Agent,

    /// <summary>No agent within the maximum wait: the abandon message played and the call ended.</summary>
    Abandoned,

    /// <summary>The called party hung up before an agent took the call.</summary>
    HungUp,

    /// <summary>Refused at once (unknown queue, draining node, media failure); the call is over.</summary>
    Refused,
}

/// <summary>
/// The call layer as the dialer needs it. Acd.Calls implements it over SIP (UAC INVITE through a trunk with digest
/// auth); the simulator and tests implement it in memory.
/// </summary>
public interface IOutboundCallLayer
{
    /// <summary>Places the call; the returned call reports progress until an outcome is final.</summary>
    ValueTask<IOutboundCall> OriginateAsync(OriginateRequest request, CancellationToken cancellationToken);
}

/// <summary>One outbound call placed by the dialer.</summary>
public interface IOutboundCall : IAsyncDisposable
{
    string CallId { get; }

    /// <summary>Progress: Ringing (maybe several), then one of Answered, Busy, NoAnswer or Failed.</summary>
    IAsyncEnumerable<DialProgress> ProgressAsync(CancellationToken cancellationToken);

    /// <summary>The answered call's received audio: 8 kHz 16-bit PCM, 20 ms (160-sample) frames, for AMD.</summary>
    IAsyncEnumerable<ReadOnlyMemory<short>> AudioFramesAsync(CancellationToken cancellationToken);

    /// <summary>Plays a prompt; returns the DTMF digit pressed during it when <paramref name="collectDigit"/>, else null.</summary>
    ValueTask<char?> PlayAsync(string prompt, bool collectDigit, CancellationToken cancellationToken);

    /// <summary>
    /// Hands the answered call to an agent through routing (the queue, or a named agent). The call belongs to the queue
    /// flow from then on, whatever the outcome: with <see cref="AgentConnectRequest.MaxWait"/>, the flow itself plays
    /// the abandon message when no agent takes the call in time.
    /// </summary>
    ValueTask<AgentConnectOutcome> ConnectToAgentAsync(AgentConnectRequest request, CancellationToken cancellationToken);

    /// <summary>Runs an outbound IVR script with the lead's fields as variables.</summary>
    ValueTask RunIvrAsync(string script, Lead lead, CancellationToken cancellationToken);

    ValueTask HangupAsync(CancellationToken cancellationToken);
}
