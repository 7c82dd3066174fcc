using System.Collections.Concurrent;
using Acd.Calls.Inbound;
using Acd.Media.Codecs;
using Acd.Media.Sdp;
using Acd.Sip.Ua;

namespace Acd.Calls.Direct;

// Attended transfer (REFER with Replaces, RFC 3891 + RFC 5589): agent A, talking to a caller, consults agent B on a
// second call through this node, then asks the node (REFER on the caller's dialog) to replace that consult dialog with
// the caller. The node owns both ends of A's consult dialog, so it needs no INVITE with Replaces: it finds its own leg
// of the named dialog, takes the other side (B's leg, answered, with its media) out of the consult call and bridges it
// to the caller. The consult call ends (BYE to A) and writes its record; B's leg lives on in the caller's call.

/// <summary>B's side of a consult call, handed over to the call that replaces the consult dialog.</summary>
public sealed record ConsultHandover
{
    /// <summary>The agent on the other side (B), by routing id.</summary>
    public required string AgentId { get; init; }

    /// <summary>B's answered dialog with the node.</summary>
    public required SipCall Call { get; init; }

    /// <summary>B's leg media session (running, answered SDP applied); the taker disposes it.</summary>
    public required IMediaSession Media { get; init; }

    /// <summary>The negotiator of B's leg (for B's later re-offers: hold, resume).</summary>
    public required SdpNegotiator Negotiator { get; init; }

    public required G711Law Codec { get; init; }

    /// <summary>When the node dialled B.</summary>
    public required DateTimeOffset Started { get; init; }

    public required DateTimeOffset Answered { get; init; }

    /// <summary>
    /// B's busy mark (<see cref="IAgentBusy.MarkBusyAsync"/>) as the consult call took it: B stays out of routing, busy
    /// as on a direct call, until the taker restores it when the transferred call ends (no wrap-up).
    /// </summary>
    public object? BusyToken { get; init; }

    /// <summary>
    /// When B was routed to the consult call (the consulting agent dialled a queue): the consult call's id, for which B
    /// stays OnCall in routing; the taker ends it (B's wrap-up in that queue) when the transferred call ends. Null for a
    /// direct call (B busy by <see cref="BusyToken"/>).
    /// </summary>
    public string? RoutedCallId { get; init; }

    /// <summary>From now on B's SIP events go to this sink instead of the consult call (call it once, right away).</summary>
    public required Action<Action<SipCallEvent>> Redirect { get; init; }
}

/// <summary>Why a consult dialog could not be taken over (the final NOTIFY the transferring agent gets).</summary>
public enum ConsultRefusal
{
    None,

    /// <summary>No dialog of this node by that Call-ID and tags (481).</summary>
    UnknownDialog,

    /// <summary>The dialog exists but is not answered, already ending, or the transferring agent is not in it (603).</summary>
    NotTransferable,
}

/// <summary>The outcome of <see cref="IConsultCalls.TakeOverAsync"/>.</summary>
public readonly record struct ConsultTakeover(ConsultHandover? Handover, ConsultRefusal Refusal);

/// <summary>The node's calls whose far side can replace a dialog named by Replaces (Call-ID, to-tag, from-tag).</summary>
public interface IConsultCalls
{
    /// <summary>
    /// Finds the node's leg of dialog (<paramref name="callId"/>, tags in either order), checks that
    /// <paramref name="transferringAgent"/> is its party, and takes the other side out of it (the consult call ends).
    /// </summary>
    Task<ConsultTakeover> TakeOverAsync(string callId, string toTag, string fromTag, string transferringAgent, CancellationToken cancellationToken);
}

/// <summary>A call of this node that can hand its far side over (a direct call between agents).</summary>
internal interface IReplaceableCall
{
    Task<ConsultTakeover> HandOverAsync(string toTag, string fromTag, string transferringAgent, CancellationToken cancellationToken);
}

/// <summary>
/// The node's replaceable dialogs by Call-ID (the node's own leg of each: Call-ID plus our and the peer's tags). Calls
/// register when they start and leave when they finish; lookups check the tags in the call's own actor.
/// </summary>
public sealed class ConsultCallRegistry : IConsultCalls
{
    private readonly ConcurrentDictionary<string, IReplaceableCall> _calls = new(StringComparer.Ordinal);

    /// <summary>Dialogs listed now (tests, diagnostics).</summary>
    public int Count => _calls.Count;

    public Task<ConsultTakeover> TakeOverAsync(string callId, string toTag, string fromTag, string transferringAgent, CancellationToken cancellationToken) =>
        _calls.TryGetValue(callId, out var call)
            ? call.HandOverAsync(toTag, fromTag, transferringAgent, cancellationToken)
            : Task.FromResult(new ConsultTakeover(null, ConsultRefusal.UnknownDialog));

    internal void Add(string callId, IReplaceableCall call) => _calls[callId] = call;

    internal void Remove(string callId, IReplaceableCall call) => _calls.TryRemove(new KeyValuePair<string, IReplaceableCall>(callId, call));

    /// <summary>Whether a Replaces' two tags name the dialog with our <paramref name="local"/> and the peer's <paramref name="remote"/> tag, in either order.</summary>
    internal static bool TagsMatch(string toTag, string fromTag, string local, string remote) =>
        (toTag == local && fromTag == remote) || (toTag == remote && fromTag == local);
}
