using System.Collections.Concurrent;
using Acd.Sip.Transactions;

namespace Acd.Sip.Dialogs;

/// <summary>Dialog states (RFC 3261 section 12).</summary>
public enum SipDialogState
{
    /// <summary>Created by a provisional response with a To tag.</summary>
    Early,

    /// <summary>Created or confirmed by a 2xx.</summary>
    Confirmed,

    /// <summary>Ended by BYE, a failure of the initial INVITE, or a timeout.</summary>
    Terminated,
}

/// <summary>Identifies a dialog from the local side: Call-ID, local tag, remote tag.</summary>
/// <param name="CallId">Call-ID.</param>
/// <param name="LocalTag">Our tag.</param>
/// <param name="RemoteTag">The peer's tag (empty for an early UAC dialog before a tagged response).</param>
public readonly record struct SipDialogId(string CallId, string LocalTag, string RemoteTag)
{
    /// <inheritdoc />
    public override string ToString() => $"{CallId};local={LocalTag};remote={RemoteTag}";
}

/// <summary>
/// The state of one dialog (RFC 3261 12.1-12.2): identifiers, local and remote CSeq, URIs, remote target and
/// route set, and whether a re-INVITE is in progress (for 491 glare). Thread-safe through its own lock.
/// </summary>
public sealed class SipDialog
{
    private readonly Lock _gate = new();
    private uint _localSeq;

    /// <summary>Creates a dialog.</summary>
    public SipDialog(
        SipDialogId id, bool isUac, string localUri, string remoteUri, string remoteTarget, IReadOnlyList<string> routeSet,
        uint localSeq, uint remoteSeq, SipPeer peer, SipDialogState state)
    {
        Id = id;
        IsUac = isUac;
        LocalUri = localUri;
        RemoteUri = remoteUri;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        _localSeq = localSeq;
        RemoteSeq = remoteSeq;
        Peer = peer;
        State = state;
    }

    /// <summary>Call-ID and tags.</summary>
    public SipDialogId Id { get; private set; }

    /// <summary>True when we sent the INVITE that created the dialog.</summary>
    public bool IsUac { get; }

    /// <summary>Our URI (From of our requests).</summary>
    public string LocalUri { get; }

    /// <summary>The peer's URI (To of our requests).</summary>
    public string RemoteUri { get; }

    /// <summary>The peer's Contact URI: Request-URI of our in-dialog requests; refreshed by target-refresh requests.</summary>
    public string RemoteTarget { get; private set; }

    /// <summary>Route set (Record-Route values, in the order our requests carry them).</summary>
    public IReadOnlyList<string> RouteSet { get; }

    /// <summary>Highest CSeq received from the peer (0 = none yet).</summary>
    public uint RemoteSeq { get; private set; }

    /// <summary>The transport peer in-dialog requests go to.</summary>
    public SipPeer Peer { get; private set; }

    /// <summary>Current state.</summary>
    public SipDialogState State { get; private set; }

    /// <summary>The CSeq of our last request.</summary>
    public uint LocalSeq
    {
        get
        {
            lock (_gate)
            {
                return _localSeq;
            }
        }
    }

    /// <summary>True while a re-INVITE or UPDATE we sent waits for its final response.</summary>
    public bool HasPendingOutgoingOffer { get; private set; }

    /// <summary>True while a re-INVITE we received waits for our final response.</summary>
    public bool HasPendingIncomingOffer { get; private set; }

    /// <summary>Anything the owner attaches (the call).</summary>
    public object? UserState { get; set; }

    /// <summary>The next CSeq for a new request in this dialog (12.2.1.1).</summary>
    public uint NextLocalSeq()
    {
        lock (_gate)
        {
            return ++_localSeq;
        }
    }

    /// <summary>
    /// Checks an in-dialog request's CSeq (12.2.2): lower than the last one is out of order (answer 500);
    /// otherwise it becomes the remote CSeq. ACK and CANCEL reuse their INVITE's number and are not checked.
    /// </summary>
    public bool TryAcceptRemoteSeq(uint cseq, string method)
    {
        if (method is "ACK" or "CANCEL")
        {
            return true;
        }

        lock (_gate)
        {
            if (RemoteSeq != 0 && cseq <= RemoteSeq)
            {
                return false;
            }

            RemoteSeq = cseq;
            return true;
        }
    }

    /// <summary>
    /// Starts an incoming re-INVITE/UPDATE offer. False means glare: we have our own offer pending, or one
    /// incoming is already pending — answer 491 Request Pending (14.2) or 500 (with Retry-After).
    /// </summary>
    public bool TryBeginIncomingOffer()
    {
        lock (_gate)
        {
            if (HasPendingOutgoingOffer || HasPendingIncomingOffer)
            {
                return false;
            }

            HasPendingIncomingOffer = true;
            return true;
        }
    }

    /// <summary>Ends the incoming offer (final response sent).</summary>
    public void EndIncomingOffer()
    {
        lock (_gate)
        {
            HasPendingIncomingOffer = false;
        }
    }

    /// <summary>Starts an outgoing re-INVITE/UPDATE; false when one is already pending either way (do not send).</summary>
    public bool TryBeginOutgoingOffer()
    {
        lock (_gate)
        {
            if (HasPendingOutgoingOffer || HasPendingIncomingOffer)
            {
                return false;
            }

            HasPendingOutgoingOffer = true;
            return true;
        }
    }

    /// <summary>Ends the outgoing offer (final response received).</summary>
    public void EndOutgoingOffer()
    {
        lock (_gate)
        {
            HasPendingOutgoingOffer = false;
        }
    }

    /// <summary>A target-refresh request or response changed the peer's Contact (12.2.1.2, 12.2.2).</summary>
    public void RefreshTarget(string remoteTarget)
    {
        ArgumentException.ThrowIfNullOrEmpty(remoteTarget);
        lock (_gate)
        {
            RemoteTarget = remoteTarget;
        }
    }

    /// <summary>Early to confirmed (a 2xx arrived or was sent); for a UAC also learns the remote tag.</summary>
    internal void Confirm(string remoteTag)
    {
        lock (_gate)
        {
            if (State == SipDialogState.Early)
            {
                State = SipDialogState.Confirmed;
                Id = Id with { RemoteTag = remoteTag };
            }
        }
    }

    /// <summary>Marks the dialog ended.</summary>
    internal void Terminate()
    {
        lock (_gate)
        {
            State = SipDialogState.Terminated;
        }
    }

    /// <summary>The transport peer changed (TCP reconnect); in-dialog requests follow it.</summary>
    internal void UpdatePeer(in SipPeer peer)
    {
        lock (_gate)
        {
            Peer = peer;
        }
    }
}

/// <summary>All live dialogs, found by (Call-ID, local tag, remote tag). Thread-safe.</summary>
public sealed class SipDialogStore
{
    private readonly ConcurrentDictionary<SipDialogId, SipDialog> _dialogs = new();

    /// <summary>Live dialogs.</summary>
    public int Count => _dialogs.Count;

    /// <summary>Adds a dialog; false when one with the same id exists.</summary>
    public bool TryAdd(SipDialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        return _dialogs.TryAdd(dialog.Id, dialog);
    }

    /// <summary>Finds the dialog of an in-dialog request: local tag = To tag, remote tag = From tag.</summary>
    public SipDialog? Find(string callId, string localTag, string remoteTag)
        => _dialogs.TryGetValue(new SipDialogId(callId, localTag, remoteTag), out var dialog) ? dialog : null;

    /// <summary>Confirms an early dialog (re-keying it when the remote tag was unknown) and returns it.</summary>
    public SipDialog Confirm(SipDialog dialog, string remoteTag)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        var oldId = dialog.Id;
        dialog.Confirm(remoteTag);
        if (oldId != dialog.Id)
        {
            ((ICollection<KeyValuePair<SipDialogId, SipDialog>>)_dialogs).Remove(new(oldId, dialog));
            _dialogs.TryAdd(dialog.Id, dialog);
        }

        return dialog;
    }

    /// <summary>Terminates and removes a dialog.</summary>
    public bool Remove(SipDialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        dialog.Terminate();
        return ((ICollection<KeyValuePair<SipDialogId, SipDialog>>)_dialogs).Remove(new(dialog.Id, dialog));
    }
}
