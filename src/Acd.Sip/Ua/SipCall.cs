using System.Text;
using System.Threading.Channels;
using Acd.Sip.Dialogs;
using Acd.Sip.Transactions;

namespace Acd.Sip.Ua;

/// <summary>Where a call stands.</summary>
public enum SipCallState
{
    /// <summary>Incoming INVITE not answered yet, or outgoing INVITE without a final response.</summary>
    Setup,

    /// <summary>2xx sent or received.</summary>
    Answered,

    /// <summary>Over: no further events.</summary>
    Ended,
}

/// <summary>
/// One call (one INVITE dialog) seen by the UA-level API: a per-call event channel, answer/reject for incoming
/// calls, CANCEL/BYE through <see cref="Hangup"/>, and in-dialog requests through <see cref="SendRequestAsync"/>.
/// </summary>
public sealed class SipCall
{
    private readonly SipUserAgent _ua;
    private readonly Channel<SipCallEvent> _events = Channel.CreateUnbounded<SipCallEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();

    internal SipCall(SipUserAgent ua, bool incoming, string callId, string localTag, SipPeer peer)
    {
        _ua = ua;
        IsIncoming = incoming;
        CallId = callId;
        LocalTag = localTag;
        Peer = peer;
    }

    /// <summary>Call-ID.</summary>
    public string CallId { get; }

    /// <summary>Our tag in the dialog.</summary>
    public string LocalTag { get; }

    /// <summary>True for calls the peer started.</summary>
    public bool IsIncoming { get; }

    /// <summary>The transport peer.</summary>
    public SipPeer Peer { get; }

    /// <summary>Current state.</summary>
    public SipCallState State { get; private set; }

    /// <summary>The dialog once it exists (early or confirmed).</summary>
    public SipDialog? Dialog { get; internal set; }

    /// <summary>The remote SDP (offer of an incoming call, answer of an outgoing one).</summary>
    public ReadOnlyMemory<byte> RemoteSdp { get; internal set; }

    /// <summary>Incoming calls: the INVITE.</summary>
    public SipMessage? Invite { get; internal init; }

    /// <summary>
    /// Answers the peer's offers in re-INVITE/UPDATE (hold, resume, new address): given the offer's body, returns the SDP
    /// answer (which becomes the call's local description), or null to refuse the offer with 488 (the session stays as
    /// it was). Called on the receive thread, before the <see cref="SipCallRequest"/> event: keep it short and thread-safe.
    /// Unset (or an offer-less re-INVITE): the current local description answers.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>?>? OfferAnswerer { get; set; }

    /// <summary>Events in order; completes after <see cref="SipCallEnded"/>.</summary>
    public ChannelReader<SipCallEvent> Events => _events.Reader;

    internal SipServerTransaction? ServerTransaction { get; init; }

    internal SipClientTransaction? ClientTransaction { get; set; }

    internal SipRequestParts? InviteParts { get; set; }

    internal byte[]? AckBytes { get; set; }

    internal bool CancelRequested { get; set; }

    /// <summary>The branch of the INVITE a CANCEL was sent for (at most one per INVITE transaction).</summary>
    internal string? CancelledBranch { get; set; }

    private int _acknowledged;

    /// <summary>Marks the INVITE's 2xx as acknowledged; true only for the first ACK (later ones answer retransmitted 2xx).</summary>
    internal bool TryMarkAcknowledged() => Interlocked.Exchange(ref _acknowledged, 1) == 0;

    internal ReadOnlyMemory<byte> LocalSdp { get; set; }

    /// <summary>Incoming: sends 180 Ringing (creating the early dialog).</summary>
    public bool Ring() => _ua.SendProvisional(this, 180, "Ringing");

    /// <summary>Incoming: answers 200 with <paramref name="sdp"/>; the 2xx is retransmitted until the ACK.</summary>
    public bool Answer(ReadOnlyMemory<byte> sdp) => _ua.AnswerCall(this, sdp);

    /// <summary>Incoming: rejects with a final non-2xx (486 Busy Here, 603 Decline, 480...).</summary>
    public bool Reject(int statusCode, string reasonPhrase) => _ua.RejectCall(this, statusCode, reasonPhrase);

    /// <summary>Incoming: rejects with a final non-2xx and extra headers (e.g. 503 with Retry-After while the node drains).</summary>
    public bool Reject(int statusCode, string reasonPhrase, IReadOnlyList<SipHeader> headers) => _ua.RejectCall(this, statusCode, reasonPhrase, null, headers);

    /// <summary>
    /// Incoming, before answering: checks the caller's digest credentials (Proxy-Authorization) with the user agent's
    /// authenticator. Returns the authenticated user name, or null after rejecting the call with 407 (a challenge the
    /// caller answers with a new INVITE) or 403 (wrong credentials). Throws when the user agent has no authenticator.
    /// </summary>
    public Task<string?> AuthenticateAsync(CancellationToken cancellationToken = default) => _ua.AuthenticateCallAsync(this, cancellationToken);

    /// <summary>Ends the call whatever its state: BYE when answered, CANCEL for our pending INVITE, 487 for theirs.</summary>
    public void Hangup() => _ua.Hangup(this);

    /// <summary>
    /// Sends an in-dialog request (re-INVITE, UPDATE, INFO, REFER, NOTIFY, OPTIONS) and returns the final status
    /// (408 on timeout, 491 when an offer is already pending, 481 when there is no dialog).
    /// </summary>
    public Task<int> SendRequestAsync(string method, string? contentType = null, ReadOnlyMemory<byte> body = default, IReadOnlyList<SipHeader>? headers = null)
        => _ua.SendInDialogAsync(this, method, contentType, body, headers ?? []);

    /// <summary>The remote SDP as text (for logs and tests).</summary>
    public string RemoteSdpText => Encoding.UTF8.GetString(RemoteSdp.Span);

    internal bool TrySetState(SipCallState from, SipCallState to)
    {
        lock (_gate)
        {
            if (State != from)
            {
                return false;
            }

            State = to;
            return true;
        }
    }

    internal void Publish(SipCallEvent callEvent) => _events.Writer.TryWrite(callEvent);

    /// <summary>Moves to Ended once, publishing <paramref name="final"/> and <see cref="SipCallEnded"/>; false if already ended.</summary>
    internal bool End(string reason, SipCallEvent? final = null)
    {
        lock (_gate)
        {
            if (State == SipCallState.Ended)
            {
                return false;
            }

            State = SipCallState.Ended;
        }

        if (final is not null)
        {
            _events.Writer.TryWrite(final);
        }

        _events.Writer.TryWrite(new SipCallEnded(reason));
        _events.Writer.TryComplete();
        return true;
    }
}
