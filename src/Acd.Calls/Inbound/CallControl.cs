using Acd.Sip.Ua;

namespace Acd.Calls.Inbound;

// The node's live calls as the API, the feature codes and graceful shutdown see them. InboundCallService implements
// it; the server's HTTP API and feature-code host only talk to this interface.

/// <summary>Where a live call is in its life.</summary>
public enum ActiveCallState
{
    /// <summary>Answered, the IVR script runs.</summary>
    Ivr,

    /// <summary>Waiting in a queue (music on hold, announcements).</summary>
    Queued,

    /// <summary>An agent's phone rings for it.</summary>
    Ringing,

    /// <summary>Bridged to an agent.</summary>
    Talking,

    /// <summary>Bridged, and the agent put the caller on hold (the caller hears music).</summary>
    Held,

    /// <summary>Being transferred (REFER or API) and not yet at its new place.</summary>
    Transferring,

    /// <summary>Hanging up.</summary>
    Ending,
}

/// <summary>A snapshot of one live call (no secrets; safe to serve to API clients with the agent role).</summary>
public sealed record ActiveCallInfo(
    string CallId,
    string CallerId,
    string? CallerName,
    string Dialed,
    ActiveCallState State,
    string? Queue,
    string? AgentId,
    DateTimeOffset Arrived,
    DateTimeOffset? Answered,
    IReadOnlyList<string> Supervisors);

/// <summary>Where a transfer sends the caller.</summary>
public enum TransferTargetKind
{
    /// <summary>A queue name: the caller keeps its priority and original arrival time.</summary>
    Queue,

    /// <summary>An agent extension.</summary>
    Agent,

    /// <summary>An external number or SIP URI, only when the transfer policy allows it.</summary>
    External,
}

/// <summary>A transfer destination.</summary>
public sealed record TransferTarget(TransferTargetKind Kind, string Value);

/// <summary>How a supervisor joins a live call.</summary>
public enum SupervisionMode
{
    /// <summary>Hears both parties; nobody hears the supervisor.</summary>
    Listen,

    /// <summary>Hears both parties; only the agent hears the supervisor.</summary>
    Whisper,

    /// <summary>Three-way: everybody hears everybody.</summary>
    Barge,
}

/// <summary>Why a call-control request failed.</summary>
public enum CallControlError
{
    None,

    /// <summary>No such live call (or agent without a call) on this node.</summary>
    NotFound,

    /// <summary>The call is not in a state that allows the request (e.g. transfer while in the IVR).</summary>
    InvalidState,

    /// <summary>The target is refused by policy (unknown queue, external number not allowed, not a supervisor).</summary>
    NotAllowed,

    /// <summary>The request was valid but failed (the target's phone could not be reached, media failed).</summary>
    Failed,
}

/// <summary>The answer of a call-control request.</summary>
public readonly record struct CallControlResult(CallControlError Error, string? Reason = null)
{
    public bool Succeeded => Error == CallControlError.None;

    public static CallControlResult Ok => default;

    public static CallControlResult Fail(CallControlError error, string reason) => new(error, reason);
}

/// <summary>Control of this node's live calls.</summary>
public interface ICallControl
{
    /// <summary>The live calls on this node.</summary>
    IReadOnlyList<ActiveCallInfo> ActiveCalls();

    /// <summary>One live call, or null.</summary>
    ActiveCallInfo? Find(string callId);

    /// <summary>The live call <paramref name="agentId"/> is ringing for or talking on, or null.</summary>
    ActiveCallInfo? FindByAgent(string agentId);

    /// <summary>Hangs the call up (both legs); the record is written as usual.</summary>
    Task<CallControlResult> HangupAsync(string callId, CancellationToken cancellationToken);

    /// <summary>Blind-transfers a talking (or held) call; the agent leg is released and goes to wrap-up.</summary>
    Task<CallControlResult> TransferAsync(string callId, TransferTarget target, CancellationToken cancellationToken);

    /// <summary>Rings <paramref name="supervisorId"/>'s registered phone and, when answered, joins it to the call.</summary>
    Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SupervisionMode mode, CancellationToken cancellationToken);

    /// <summary>
    /// Joins a supervisor's own incoming call (feature code <c>*90</c> + extension, already authenticated and checked
    /// for the supervisor role) to the call: answers it; DTMF 1/2/3 switch listen/whisper/barge.
    /// </summary>
    Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SipCall supervisorCall, SupervisionMode mode, CancellationToken cancellationToken);

    /// <summary>Whether new calls are refused (graceful shutdown under way).</summary>
    bool Draining { get; }

    /// <summary>
    /// Graceful shutdown: new calls are refused from now on; waits up to <paramref name="timeout"/> for the live calls
    /// to end by themselves, then hangs up the rest, and writes every record (pending wrap-ups included).
    /// </summary>
    Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>An answered call handed to the queue flow (the outbound dialer's connected calls, callbacks).</summary>
public sealed record ConnectedCallRequest
{
    /// <summary>The queue whose agents take the call.</summary>
    public required string Queue { get; init; }

    /// <summary>A named agent (a callback promised to one agent), or null for the queue's best agent.</summary>
    public string? AgentId { get; init; }

    public int? Priority { get; init; }

    /// <summary>The other party's number as the agent sees it (E.164 for dialed numbers).</summary>
    public required string CallerId { get; init; }

    public string? CallerName { get; init; }

    /// <summary>What the record calls the call's direction: <c>outbound</c>, <c>callback</c>.</summary>
    public string Direction { get; init; } = "outbound";

    /// <summary>The campaign (or other origin) the record names.</summary>
    public string? Campaign { get; init; }

    /// <summary>Screen-pop data, sent to the agent's phone as <c>X-Acd-Data-&lt;key&gt;</c> headers (keys: letters, digits, '-').</summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    /// <summary>When the wait began (a callback's original arrival), so the wait is honoured; null: now.</summary>
    public DateTimeOffset? Arrived { get; init; }

    /// <summary>No agent answered within this time: <see cref="AbandonPrompt"/> plays and the call ends as abandoned.</summary>
    public TimeSpan? MaxWait { get; init; }

    /// <summary>A prompt (path under the prompts folder) for <see cref="MaxWait"/>; null: hang up silently.</summary>
    public string? AbandonPrompt { get; init; }
}

/// <summary>How a connected call's hand-over ended.</summary>
public enum ConnectedCallOutcome
{
    /// <summary>An agent answered; the call is the service's now (it writes the record).</summary>
    Agent,

    /// <summary>No agent within <see cref="ConnectedCallRequest.MaxWait"/>: the abandon prompt played and the call ended.</summary>
    Abandoned,

    /// <summary>The other party hung up before an agent answered.</summary>
    HungUp,

    /// <summary>Refused at once (unknown queue, draining node, media failure).</summary>
    Refused,
}

/// <summary>Takes answered calls into the queue flow.</summary>
public interface IConnectedCalls
{
    /// <summary>
    /// Takes over <paramref name="call"/> (answered, ACKed) and its <paramref name="media"/> (negotiated, running):
    /// queues it with music, rings the routed agent and bridges. The returned task completes when the hand-over is
    /// decided; the call and its media belong to the service from this call on, whatever the outcome.
    /// </summary>
    Task<ConnectedCallOutcome> ConnectAsync(SipCall call, IMediaSession media, ConnectedCallRequest request, CancellationToken cancellationToken);
}

/// <summary>A call to a number outside the contact center, placed through the configured trunks.</summary>
public sealed record ExternalDialRequest
{
    /// <summary>E.164 number (or a SIP URI when the policy allows URIs).</summary>
    public required string Number { get; init; }

    /// <summary>The caller ID presented (From / P-Asserted-Identity), E.164.</summary>
    public required string CallerId { get; init; }

    public string? CallerName { get; init; }

    /// <summary>The SDP offer of the leg's media session.</summary>
    public required ReadOnlyMemory<byte> Sdp { get; init; }

    /// <summary>Why we dial (<c>transfer</c>, <c>callback</c>), for the policy and the records.</summary>
    public required string Purpose { get; init; }

    /// <summary>The authenticated agent (or campaign) on whose behalf we dial; nothing dials for an unauthenticated party.</summary>
    public required string AuthorizedBy { get; init; }

    public IReadOnlyList<SipHeader> Headers { get; init; } = [];
}

/// <summary>The outcome of <see cref="IExternalDialer.DialAsync"/>: the outgoing call, or why it was refused.</summary>
public readonly record struct ExternalDialResult(SipCall? Call, string? Refusal)
{
    public static ExternalDialResult Refused(string reason) => new(null, reason);
}

/// <summary>
/// Outbound trunks as the call flow sees them (external transfers, callbacks to typed numbers). Implemented by the
/// dialer's trunk layer (digest auth, channel and CPS limits, failover); the call's progress and answer arrive on the
/// returned <see cref="SipCall"/>'s events like any other leg's.
/// </summary>
public interface IExternalDialer
{
    ValueTask<ExternalDialResult> DialAsync(ExternalDialRequest request, CancellationToken cancellationToken);
}

/// <summary>A keep-my-place callback to a number the caller typed in the IVR, handed to the dialer.</summary>
public sealed record TypedCallback
{
    /// <summary>The inbound call that asked for it.</summary>
    public required string CallId { get; init; }

    /// <summary>The number as typed.</summary>
    public required string Number { get; init; }

    public required string Queue { get; init; }

    /// <summary>The caller's original arrival (the place kept).</summary>
    public required DateTimeOffset Arrived { get; init; }

    public string? CallerId { get; init; }

    public string? CallerName { get; init; }
}

/// <summary>Schedules typed-number callbacks on the node's dialer.</summary>
public interface ICallbackScheduler
{
    /// <summary>Schedules <paramref name="request"/>; null when scheduled, else why not.</summary>
    string? Schedule(TypedCallback request);
}
