using System.Globalization;
using System.Text;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;

namespace Acd.Sip.Ua;

/// <summary>What to call and how (the UAC side of the UA-level API).</summary>
public sealed record SipOriginateRequest
{
    /// <summary>Request-URI and To, e.g. "sip:1001@127.0.0.1:5070".</summary>
    public required string Target { get; init; }

    /// <summary>Where to send the INVITE (the registered contact's transport address).</summary>
    public required SipPeer Destination { get; init; }

    /// <summary>Our identity (From URI), e.g. "sip:acd@127.0.0.1".</summary>
    public string From { get; init; } = "sip:acd@127.0.0.1";

    /// <summary>The From display name (what a phone shows), e.g. "support: +15551234567"; quoted and escaped here.</summary>
    public string? FromDisplayName { get; init; }

    /// <summary>The SDP offer.</summary>
    public ReadOnlyMemory<byte> Sdp { get; init; }

    /// <summary>Extra headers (e.g. P-Asserted-Identity, Alert-Info).</summary>
    public IReadOnlyList<SipHeader> Headers { get; init; } = [];

    /// <summary>Credentials to answer a 401/407 challenge with (outbound trunks), or null.</summary>
    public SipDigestClient? Credentials { get; init; }
}

public sealed partial class SipUserAgent
{
    /// <summary>Starts an outgoing call: sends the INVITE; outcomes arrive on the call's <see cref="SipCall.Events"/>.</summary>
    public SipCall Originate(SipOriginateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var callId = NewTag() + NewTag() + "@acd";
        var call = new SipCall(this, incoming: false, callId, NewTag(), request.Destination) { LocalSdp = request.Sdp };
        _calls[callId] = call;
        var parts = new SipRequestParts
        {
            Method = "INVITE",
            RequestUri = request.Target,
            Via = string.Empty,
            From = request.FromDisplayName is { Length: > 0 } name
                ? $"{QuoteDisplayName(name)} <{request.From}>;tag={call.LocalTag}"
                : $"<{request.From}>;tag={call.LocalTag}",
            To = $"<{request.Target}>",
            CallId = callId,
            CSeq = 1,
            Contact = ContactHeader(request.Destination)[0].Value,
            Headers = request.Headers,
            ContentType = request.Sdp.IsEmpty ? null : "application/sdp",
            Body = request.Sdp,
            UserAgent = _options.ProductName,
        };
        SendInvite(call, parts, new InviteUser(this, call, request.Credentials));
        return call;
    }

    /// <summary>A display name as an RFC 3261 quoted-string: quotes and backslashes escaped, control characters dropped.</summary>
    public static string QuoteDisplayName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length + 2).Append('"');
        foreach (var c in name)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (!char.IsControl(c))
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    private void SendInvite(SipCall call, SipRequestParts parts, InviteUser user)
    {
        var branch = SipTransactionLayer.NewBranch();
        parts = parts with { Via = ViaValue(call.Peer, branch) };
        call.InviteParts = parts;
        call.ClientTransaction = Transactions.SendRequest("INVITE", branch, SipRequestWriter.Create(parts), call.Peer, user);
    }

    private string ViaValue(in SipPeer peer, string branch) => $"SIP/2.0/{peer.ViaTransport} {_options.ContactAddress};branch={branch};rport";

    internal bool SendProvisional(SipCall call, int status, string reason)
    {
        if (!call.IsIncoming || call.State != SipCallState.Setup)
        {
            return false;
        }

        EnsureUasDialog(call, SipDialogState.Early);
        var response = SipResponseWriter.Create(call.Invite!, call.Peer, status, reason, call.LocalTag, DialogResponseHeaders(call), server: _options.ProductName);
        return call.ServerTransaction!.Respond(status, response);
    }

    internal bool AnswerCall(SipCall call, ReadOnlyMemory<byte> sdp)
    {
        if (!call.IsIncoming || !call.TrySetState(SipCallState.Setup, SipCallState.Answered))
        {
            return false;
        }

        call.LocalSdp = sdp;
        var dialog = EnsureUasDialog(call, SipDialogState.Confirmed);
        Dialogs.Confirm(dialog, dialog.Id.RemoteTag);
        var response = SipResponseWriter.Create(call.Invite!, call.Peer, 200, "OK", call.LocalTag, DialogResponseHeaders(call), "application/sdp", sdp.Span, _options.ProductName);
        if (!call.ServerTransaction!.Respond(200, response))
        {
            return false;
        }

        Transactions.RetransmitSuccessUntilAck(call.CallId, call.Invite!.TryGetCSeqNumber(), response, call.Peer, () =>
        {
            // 13.3.1.4: no ACK within 64*T1 — confirm and immediately end the session with BYE.
            SendBye(call);
            EndCall(call, "no_ack");
        });
        return true;
    }

    // RFC 3261 12.1.1: a response that creates a dialog copies the request's Record-Route values, in order, so the proxies
    // that asked to stay in the path (Kamailio's record_route) see the ACK, re-INVITEs and BYE; then our Contact.
    private IReadOnlyList<SipHeader> DialogResponseHeaders(SipCall call)
    {
        var contact = ContactHeader(call.Peer);
        var invite = call.Invite!;
        if (!invite.Contains(SipHeaderId.RecordRoute))
        {
            return contact;
        }

        var headers = new List<SipHeader>(4);
        foreach (var value in invite.GetValues(SipHeaderId.RecordRoute))
        {
            headers.Add(new SipHeader("Record-Route", Encoding.UTF8.GetString(value)));
        }

        headers.AddRange(contact);
        return headers;
    }

    private SipDialog EnsureUasDialog(SipCall call, SipDialogState state)
    {
        if (call.Dialog is { } existing)
        {
            return existing;
        }

        var invite = call.Invite!;
        invite.TryGetFrom(out var from);
        invite.TryGetTo(out var to);
        var remoteTarget = invite.TryGetNameAddr(SipHeaderId.Contact, out var contact) ? Encoding.UTF8.GetString(contact.Uri) : Encoding.UTF8.GetString(from.Uri);
        var routes = new List<string>();
        foreach (var value in invite.GetValues(SipHeaderId.RecordRoute))
        {
            routes.Add(Encoding.UTF8.GetString(value));
        }

        var dialog = new SipDialog(
            new SipDialogId(call.CallId, call.LocalTag, from.HasTag ? Encoding.ASCII.GetString(from.Tag) : string.Empty),
            isUac: false, Encoding.UTF8.GetString(to.Uri), Encoding.UTF8.GetString(from.Uri), remoteTarget, routes,
            localSeq: 0, remoteSeq: invite.TryGetCSeqNumber(), call.Peer, state) { UserState = call };
        Dialogs.TryAdd(dialog);
        call.Dialog = dialog;
        return dialog;
    }

    internal bool RejectCall(SipCall call, int status, string reason, string? endReason = null, IReadOnlyList<SipHeader>? headers = null)
    {
        if (!call.IsIncoming || status < 300 || call.State != SipCallState.Setup)
        {
            return false;
        }

        var response = SipResponseWriter.Create(call.Invite!, call.Peer, status, reason, call.LocalTag, headers, server: _options.ProductName);

        // Forget the Call-ID before the final response leaves: the peer's next INVITE with it (the retry after a 407)
        // can arrive on the receive loop before this method returns, and must not be refused as a loop (482).
        ((ICollection<KeyValuePair<string, SipCall>>)_calls).Remove(new(call.CallId, call));
        if (!call.ServerTransaction!.Respond(status, response))
        {
            // Another final response won the race (an answer, or 487 to a CANCEL): that path owns the call.
            if (call.State != SipCallState.Ended)
            {
                _calls.TryAdd(call.CallId, call);
            }

            return false;
        }

        EndCall(call, endReason ?? "rejected");
        return true;
    }

    internal void Hangup(SipCall call)
    {
        switch (call.State)
        {
            case SipCallState.Answered:
                SendBye(call);
                EndCall(call, "local_bye");
                return;
            case SipCallState.Setup when call.IsIncoming:
                RejectCall(call, 487, "Request Terminated", "local_hangup");
                return;
            case SipCallState.Setup:
                call.CancelRequested = true;
                TrySendCancel(call);
                return;
        }
    }

    private void TrySendCancel(SipCall call)
    {
        var invite = call.ClientTransaction;
        if (invite is null || !invite.CanCancel || call.InviteParts is null)
        {
            return; // 9.1: wait for a provisional; the InviteUser sends the CANCEL when one arrives.
        }

        if (call.CancelledBranch == invite.Branch)
        {
            return; // One CANCEL per INVITE: a second Hangup or a later provisional (183 after 180) sends no other.
        }

        call.CancelledBranch = invite.Branch;

        var cancel = call.InviteParts with { Method = "CANCEL", ContentType = null, Body = default, Contact = null, Headers = [] };
        Transactions.SendRequest("CANCEL", invite.Branch, SipRequestWriter.Create(cancel), call.Peer, new FinalStatusUser(null));
    }

    private void SendBye(SipCall call)
    {
        if (call.Dialog is not { } dialog)
        {
            return;
        }

        var branch = SipTransactionLayer.NewBranch();
        var bye = InDialogParts(dialog, "BYE", dialog.NextLocalSeq(), branch);
        Transactions.SendRequest("BYE", branch, SipRequestWriter.Create(bye), dialog.Peer, new FinalStatusUser(null));
        Dialogs.Remove(dialog);
    }

    private SipRequestParts InDialogParts(SipDialog dialog, string method, uint cseq, string branch) => new()
    {
        Method = method,
        RequestUri = dialog.RemoteTarget,
        Via = ViaValue(dialog.Peer, branch),
        From = $"<{dialog.LocalUri}>;tag={dialog.Id.LocalTag}",
        To = dialog.Id.RemoteTag.Length > 0 ? $"<{dialog.RemoteUri}>;tag={dialog.Id.RemoteTag}" : $"<{dialog.RemoteUri}>",
        CallId = dialog.Id.CallId,
        CSeq = cseq,
        Routes = dialog.RouteSet,
        UserAgent = _options.ProductName,
    };

    internal Task<int> SendInDialogAsync(SipCall call, string method, string? contentType, ReadOnlyMemory<byte> body, IReadOnlyList<SipHeader> headers)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (method is "ACK" or "CANCEL" or "BYE")
        {
            throw new ArgumentException($"{method} is sent by the call itself (Hangup).", nameof(method));
        }

        if (call.Dialog is not { State: SipDialogState.Confirmed } dialog)
        {
            return Task.FromResult(481);
        }

        var isOffer = method is "INVITE" or "UPDATE";
        if (isOffer && !dialog.TryBeginOutgoingOffer())
        {
            return Task.FromResult(491);
        }

        var branch = SipTransactionLayer.NewBranch();
        var parts = InDialogParts(dialog, method, dialog.NextLocalSeq(), branch) with
        {
            ContentType = contentType,
            Body = body,
            Headers = headers,
            Contact = isOffer ? ContactHeader(dialog.Peer)[0].Value : null,
        };
        var user = new FinalStatusUser(isOffer ? dialog : null) { AckFor2xx = method == "INVITE" ? (this, parts) : null };
        Transactions.SendRequest(method, branch, SipRequestWriter.Create(parts), dialog.Peer, user);
        return user.Completion.Task;
    }

    private void OnResponse(SipMessage response)
    {
        if (!response.TryGetTopVia(out var via) || !response.TryGetCSeq(out var cseq))
        {
            _metrics.ParseError("response_without_via_or_cseq");
            return;
        }

        var info = new SipResponseInfo(response.StatusCode, via.HasBranch ? Encoding.ASCII.GetString(via.Branch) : null, Encoding.ASCII.GetString(cseq.Method), response);
        if (Transactions.ReceiveResponse(info) is null && info.IsSuccess && cseq.MethodKind == SipMethod.Invite
            && _calls.TryGetValue(response.GetCallIdString(), out var call) && call.AckBytes is { } ack)
        {
            // A 2xx retransmission after our INVITE transaction ended: ACK it again (13.2.2.4).
            _sender.Send(ack, call.Peer);
        }
    }

    internal void EndCall(SipCall call, string reason, SipCallEvent? final = null)
    {
        if (call.End(reason, final))
        {
            ((ICollection<KeyValuePair<string, SipCall>>)_calls).Remove(new(call.CallId, call));
            if (call.Dialog is { } dialog)
            {
                Dialogs.Remove(dialog);
            }

            Log.CallEnded(_logger, call.CallId, reason);
        }
    }

    private byte[] BuildAck(SipRequestParts invite, SipMessage response, string branch, bool forSuccess, in SipPeer peer)
    {
        var to = response.TryGetField(SipHeaderId.To, out var field) ? response.GetValueString(field) : invite.To;
        var ack = invite with
        {
            Method = "ACK",
            CSeqMethod = "ACK",
            To = to,
            ContentType = null,
            Body = default,
            Headers = [],
            Contact = null,
            Via = forSuccess ? ViaValue(peer, branch) : invite.Via,
        };
        if (forSuccess && response.TryGetNameAddr(SipHeaderId.Contact, out var contact))
        {
            ack = ack with { RequestUri = Encoding.UTF8.GetString(contact.Uri) };
        }

        return SipRequestWriter.Create(ack);
    }

    /// <summary>The TU of an outgoing INVITE: provisional/final outcomes, dialog creation, ACK, auth retry, CANCEL.</summary>
    private sealed class InviteUser(SipUserAgent ua, SipCall call, SipDigestClient? credentials) : ISipClientTransactionUser
    {
        private bool _authTried;

        public void OnResponse(SipClientTransaction transaction, in SipResponseInfo response)
        {
            var message = (SipMessage)response.Message!;
            if (response.IsProvisional)
            {
                if (call.CancelRequested)
                {
                    ua.TrySendCancel(call);
                }

                if (response.StatusCode > 100)
                {
                    call.Publish(new SipCallProvisional(response.StatusCode, Encoding.UTF8.GetString(message.ReasonPhrase), message.Body));
                }

                return;
            }

            if (response.IsSuccess)
            {
                OnSuccess(message);
                return;
            }

            if (response.StatusCode is 401 or 407 && credentials is not null && !_authTried && !call.CancelRequested)
            {
                _authTried = true;
                var challengeId = response.StatusCode == 401 ? SipHeaderId.WwwAuthenticate : SipHeaderId.ProxyAuthenticate;
                var challenges = new List<string>();
                foreach (ref readonly var field in message.Headers)
                {
                    if (field.Id == challengeId)
                    {
                        challenges.Add(message.GetValueString(field));
                    }
                }

                var parts = call.InviteParts!;
                if (credentials.TryAnswer(challenges, "INVITE", parts.RequestUri, out var authorization))
                {
                    var name = response.StatusCode == 401 ? "Authorization" : "Proxy-Authorization";
                    var retry = parts with { CSeq = parts.CSeq + 1, Headers = [.. parts.Headers, new SipHeader(name, authorization)] };
                    ua.SendInvite(call, retry, this);
                    return;
                }
            }

            ua.EndCall(call, "failed", new SipCallFailed(response.StatusCode, Encoding.UTF8.GetString(message.ReasonPhrase)));
        }

        private void OnSuccess(SipMessage message)
        {
            var parts = call.InviteParts!;
            if (call.AckBytes is null)
            {
                call.AckBytes = ua.BuildAck(parts, message, SipTransactionLayer.NewBranch(), forSuccess: true, call.Peer);
            }

            ua._sender.Send(call.AckBytes, call.Peer);
            if (!call.TrySetState(SipCallState.Setup, SipCallState.Answered))
            {
                return; // a retransmitted or forked 2xx: ACKed above, nothing new for the call.
            }

            message.TryGetTo(out var to);
            var remoteTarget = message.TryGetNameAddr(SipHeaderId.Contact, out var contact) ? Encoding.UTF8.GetString(contact.Uri) : parts.RequestUri;
            var routes = new List<string>();
            foreach (var value in message.GetValues(SipHeaderId.RecordRoute))
            {
                routes.Add(Encoding.UTF8.GetString(value));
            }

            routes.Reverse();

            // The local URI is the From URI (12.1.2), without the display name the INVITE may carry.
            var localUri = SipNameAddr.TryParse(Encoding.UTF8.GetBytes(parts.From), out var from) ? Encoding.UTF8.GetString(from.Uri) : parts.From;
            var dialog = new SipDialog(
                new SipDialogId(call.CallId, call.LocalTag, to.HasTag ? Encoding.ASCII.GetString(to.Tag) : string.Empty),
                isUac: true, localUri, parts.RequestUri, remoteTarget, routes,
                localSeq: parts.CSeq, remoteSeq: 0, call.Peer, SipDialogState.Confirmed) { UserState = call };
            ua.Dialogs.TryAdd(dialog);
            call.Dialog = dialog;
            call.RemoteSdp = message.Body;
            call.Publish(new SipCallAnswered(message.Body));
            if (call.CancelRequested)
            {
                // CANCEL lost the race with the 2xx (9.1): the call is up, so end it with BYE.
                ua.SendBye(call);
                ua.EndCall(call, "cancelled_after_answer");
            }
        }

        public void OnTimeout(SipClientTransaction transaction)
            => ua.EndCall(call, "timeout", new SipCallFailed(408, "Request Timeout"));

        public ReadOnlyMemory<byte> BuildAckForFailure(SipClientTransaction transaction, in SipResponseInfo response)
            => ua.BuildAck(call.InviteParts!, (SipMessage)response.Message!, transaction.Branch, forSuccess: false, call.Peer);
    }

    /// <summary>The TU of in-dialog requests, BYE and CANCEL: completes with the final status (408 on timeout).</summary>
    private sealed class FinalStatusUser(SipDialog? offerDialog) : ISipClientTransactionUser
    {
        public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public (SipUserAgent Ua, SipRequestParts Invite)? AckFor2xx { get; init; }

        public void OnResponse(SipClientTransaction transaction, in SipResponseInfo response)
        {
            if (response.IsProvisional)
            {
                return;
            }

            if (response.IsSuccess && AckFor2xx is { } ack)
            {
                var bytes = ack.Ua.BuildAck(ack.Invite, (SipMessage)response.Message!, SipTransactionLayer.NewBranch(), forSuccess: true, transaction.Destination);
                ack.Ua._sender.Send(bytes, transaction.Destination);
            }

            offerDialog?.EndOutgoingOffer();
            Completion.TrySetResult(response.StatusCode);
        }

        public void OnTimeout(SipClientTransaction transaction)
        {
            offerDialog?.EndOutgoingOffer();
            Completion.TrySetResult(408);
        }

        public ReadOnlyMemory<byte> BuildAckForFailure(SipClientTransaction transaction, in SipResponseInfo response)
        {
            var message = (SipMessage)response.Message!;
            if (AckFor2xx is { } ack)
            {
                return ack.Ua.BuildAck(ack.Invite, message, transaction.Branch, forSuccess: false, transaction.Destination);
            }

            return ReadOnlyMemory<byte>.Empty;
        }
    }
}
