using System.Text;
using Acd.Sip.Dialogs;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>Two user agents on an in-memory network and virtual time: dialogs, CANCEL races, ACK handling, glare.</summary>
public sealed class SipCallFlowTests
{
    private const int A = 5061;
    private const int B = 5062;
    private static readonly byte[] Offer = Encoding.ASCII.GetBytes("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes("v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n");

    private readonly LoopbackSipNetwork _net = new();
    private readonly SipUserAgent _a;
    private readonly SipUserAgent _b;

    public SipCallFlowTests()
    {
        _a = _net.AddAgent(A);
        _b = _net.AddAgent(B);
    }

    private SipCall Originate() => _a.Originate(new SipOriginateRequest
    {
        Target = $"sip:agent@127.0.0.1:{B}",
        Destination = LoopbackSipNetwork.PeerOf(B),
        From = $"sip:acd@127.0.0.1:{A}",
        Sdp = Offer,
    });

    private SipCall Incoming() => LoopbackSipNetwork.Incoming(_b, "B");

    private static List<SipCallEvent> Drain(SipCall call) => LoopbackSipNetwork.Drain(call);

    private (SipCall Caller, SipCall Callee) Connect()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        callee.Answer(Answer);
        _net.Pump();
        return (caller, callee);
    }

    [Fact]
    public void Originate_RingThenAnswer_ProvisionalAnsweredAckedAndDialogsMatch()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        Assert.Equal(Encoding.ASCII.GetString(Offer), Encoding.ASCII.GetString(callee.RemoteSdp.Span));
        callee.Ring();
        _net.Pump();
        Assert.Equal(SipDialogState.Early, callee.Dialog!.State);
        callee.Answer(Answer);
        _net.Pump();

        var callerEvents = Drain(caller);
        Assert.Equal(180, Assert.IsType<SipCallProvisional>(callerEvents[0]).StatusCode);
        Assert.Equal(Encoding.ASCII.GetString(Answer), Encoding.ASCII.GetString(Assert.IsType<SipCallAnswered>(callerEvents[1]).Sdp.Span));
        Assert.IsType<SipCallAcknowledged>(Assert.Single(Drain(callee)));
        Assert.Equal(SipCallState.Answered, caller.State);
        Assert.Equal(caller.Dialog!.Id.LocalTag, callee.Dialog!.Id.RemoteTag);
        Assert.Equal(caller.Dialog.Id.RemoteTag, callee.Dialog.Id.LocalTag);
        Assert.Equal(SipDialogState.Confirmed, callee.Dialog.State);
        Assert.Equal($"sip:acd@127.0.0.1:{B};transport=udp", caller.Dialog.RemoteTarget);
        Assert.Equal(0, _b.Transactions.PendingSuccessCount);
    }

    [Fact]
    public void Ack_Repeated_AcknowledgedOnce()
    {
        var (_, callee) = Connect();
        var ack = _net.Delivered.Last(d => d.StartsWith("ACK ", StringComparison.Ordinal));
        Assert.Single(Drain(callee), e => e is SipCallAcknowledged);

        _b.Receive(Encoding.ASCII.GetBytes(ack), LoopbackSipNetwork.PeerOf(A), SipFraming.Datagram);

        Assert.DoesNotContain(Drain(callee), e => e is SipCallAcknowledged);
        Assert.Equal(SipCallState.Answered, callee.State);
    }

    [Fact]
    public void Originate_Immediately_SendsTryingWithin200Ms()
    {
        Originate();
        _net.Pump();
        Incoming();
        _net.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, _net.CountDelivered("SIP/2.0 100 Trying"));
    }

    [Fact]
    public void Hangup_AnsweredCall_ByeEndsBothSides()
    {
        var (caller, callee) = Connect();
        caller.Hangup();
        _net.Pump();
        Assert.Equal(SipCallState.Ended, caller.State);
        Assert.Equal(SipCallState.Ended, callee.State);
        Assert.Contains(Drain(callee), e => e is SipCallEnded { Reason: "remote_bye" });
        Assert.Equal(0, _a.Dialogs.Count);
        Assert.Equal(0, _b.Dialogs.Count);
        Assert.Equal(1, _net.CountDelivered("SIP/2.0 200 OK") - 1);
    }

    [Fact]
    public void Hangup_AnsweredCallFromDisplayName_ByeFromIsTheUriAndBothEnd()
    {
        var caller = _a.Originate(new SipOriginateRequest
        {
            Target = $"sip:agent@127.0.0.1:{B}",
            Destination = LoopbackSipNetwork.PeerOf(B),
            From = $"sip:+15551234567@127.0.0.1:{A}",
            FromDisplayName = "support: Pat <Caller> +15551234567",
            Sdp = Offer,
        });
        _net.Pump();
        var callee = Incoming();
        callee.Answer(Answer);
        _net.Pump();

        caller.Hangup();
        _net.Advance(TimeSpan.FromSeconds(2));

        // The dialog's local URI is the From URI without the display name; the peer's 200 (echoing that From)
        // completes the BYE, which is therefore not retransmitted.
        var bye = _net.Delivered.Single(d => d.StartsWith("BYE ", StringComparison.Ordinal));
        Assert.Contains($"\r\nFrom: <sip:+15551234567@127.0.0.1:{A}>;tag={caller.LocalTag}\r\n", bye, StringComparison.Ordinal);
        Assert.Equal(SipCallState.Ended, caller.State);
        Assert.Equal(SipCallState.Ended, callee.State);
    }

    [Fact]
    public void Hangup_BeforeAnswer_CancelThen487()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        callee.Ring();
        _net.Pump();
        caller.Hangup();
        _net.Pump();
        Assert.Contains(Drain(caller), e => e is SipCallFailed { StatusCode: 487 });
        Assert.Contains(Drain(callee), e => e is SipCallEnded { Reason: "cancelled" });
        Assert.Equal(1, _net.CountDelivered("ACK "));
        Assert.Equal(0, _a.CallCount);
        Assert.Equal(0, _b.CallCount);
    }

    [Fact]
    public void Hangup_TwiceWhileRingingAndAnotherProvisionalCrosses_OneCancel()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        callee.Ring();
        _net.Pump();
        caller.Hangup();
        caller.Hangup(); // a B2BUA's leg hung up by the call and again at its end: no second CANCEL transaction
        callee.Ring(); // a provisional crossing the CANCEL sends none either
        _net.Pump();
        Assert.Equal(1, _net.CountDelivered("CANCEL "));
        Assert.Contains(Drain(caller), e => e is SipCallFailed { StatusCode: 487 });
        Assert.Equal(SipCallState.Ended, callee.State);
    }

    [Fact]
    public void Hangup_BeforeAnyProvisional_CancelWaitsFor1xx()
    {
        var caller = Originate();
        caller.Hangup(); // 9.1: no CANCEL before a provisional response
        _net.Pump();
        Assert.Equal(0, _net.CountDelivered("CANCEL "));
        var callee = Incoming();
        callee.Ring();
        _net.Pump();
        Assert.Equal(1, _net.CountDelivered("CANCEL "));
        Assert.Contains(Drain(caller), e => e is SipCallFailed { StatusCode: 487 });
        Assert.Equal(SipCallState.Ended, callee.State);
    }

    [Fact]
    public void Hangup_CancelCrossesThe200_CallerSendsByeAndBothEnd()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        callee.Ring();
        _net.Pump();
        callee.Answer(Answer);   // 200 in flight...
        caller.Hangup();         // ...while the CANCEL goes the other way
        _net.Pump();
        Assert.Equal(1, _net.CountDelivered("CANCEL "));
        Assert.Contains(_net.Delivered, d => d.StartsWith("SIP/2.0 200 OK", StringComparison.Ordinal) && d.Contains("CANCEL", StringComparison.Ordinal));
        Assert.Equal(0, _net.CountDelivered("SIP/2.0 487"));
        Assert.Equal(1, _net.CountDelivered("BYE "));
        Assert.Equal(SipCallState.Ended, caller.State);
        Assert.Equal(SipCallState.Ended, callee.State);
    }

    [Fact]
    public void Answer_FirstTwoHundredLost_RetransmittedUntilAck()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        var dropped = 0;
        _net.Drop = (text, _, _) => text.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && dropped++ == 0;
        callee.Answer(Answer);
        _net.Pump();
        Assert.Equal(SipCallState.Setup, caller.State);
        _net.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(SipCallState.Answered, caller.State);
        Assert.Contains(Drain(callee), e => e is SipCallAcknowledged);
        _net.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _net.CountDelivered("SIP/2.0 200"));
    }

    [Fact]
    public void Answer_AckNeverArrives_ByeAfter64T1()
    {
        var caller = Originate();
        _net.Pump();
        var callee = Incoming();
        _net.Drop = (text, _, _) => text.StartsWith("ACK ", StringComparison.Ordinal);
        callee.Answer(Answer);
        _net.Pump();
        _net.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(SipCallState.Answered, callee.State);
        _net.Advance(TimeSpan.FromSeconds(1.1));
        Assert.Equal(SipCallState.Ended, callee.State);
        Assert.Contains(Drain(callee), e => e is SipCallEnded { Reason: "no_ack" });
        Assert.Equal(1, _net.CountDelivered("BYE "));
        Assert.Equal(SipCallState.Ended, caller.State);
        // The caller ACKed every retransmitted 2xx (13.2.2.4).
        Assert.True(_net.Delivered.Count(d => d.StartsWith("SIP/2.0 200", StringComparison.Ordinal)) > 5);
    }

    [Fact]
    public void Originate_NobodyAnswers_TimesOutWith408()
    {
        _net.Drop = (_, _, _) => true;
        var caller = Originate();
        _net.Advance(TimeSpan.FromSeconds(32.1));
        Assert.Contains(Drain(caller), e => e is SipCallFailed { StatusCode: 408 });
        Assert.Equal(0, _a.CallCount);
    }

    [Fact]
    public void Reject_Busy_CallerFailsWith486AndAcks()
    {
        var caller = Originate();
        _net.Pump();
        Incoming().Reject(486, "Busy Here");
        _net.Pump();
        Assert.Contains(Drain(caller), e => e is SipCallFailed { StatusCode: 486 });
        Assert.Equal(1, _net.CountDelivered("ACK "));
        Assert.Equal(0, _b.Transactions.PendingSuccessCount);
    }

    [Fact]
    public async Task SendRequestAsync_Info_200AndEventAtPeer()
    {
        var (caller, callee) = Connect();
        Drain(callee);
        var status = caller.SendRequestAsync("INFO", "application/dtmf-relay", Encoding.ASCII.GetBytes("Signal=5\r\nDuration=160\r\n"));
        _net.Pump();
        Assert.Equal(200, await status);
        var request = Assert.IsType<SipCallRequest>(Assert.Single(Drain(callee)));
        Assert.Equal("INFO", request.Method);
        Assert.Equal(2u, caller.Dialog!.LocalSeq);
    }

    [Fact]
    public async Task SendRequestAsync_ReInviteBothWays_Glare491ForBoth()
    {
        var (caller, callee) = Connect();
        var fromCaller = caller.SendRequestAsync("INVITE", "application/sdp", Offer);
        var fromCallee = callee.SendRequestAsync("INVITE", "application/sdp", Answer);
        _net.Pump();
        Assert.Equal(491, await fromCaller);
        Assert.Equal(491, await fromCallee);
        Assert.Equal(2, _net.CountDelivered("SIP/2.0 491"));
        Assert.Equal(2, _net.CountDelivered("ACK ") - 1); // the two 491s are ACKed (plus the initial 2xx ACK)

        // After glare each side may retry; one at a time succeeds.
        var retry = caller.SendRequestAsync("INVITE", "application/sdp", Offer);
        _net.Pump();
        Assert.Equal(200, await retry);
    }

    [Fact]
    public async Task SendRequestAsync_SecondOfferWhileFirstPending_491Locally()
    {
        var (caller, _) = Connect();
        var first = caller.SendRequestAsync("INVITE", "application/sdp", Offer);
        Assert.Equal(491, await caller.SendRequestAsync("UPDATE", "application/sdp", Offer));
        _net.Pump();
        Assert.Equal(200, await first);
    }

    [Fact]
    public async Task ReInvite_NewContact_RemoteTargetRefreshed()
    {
        var (caller, callee) = Connect();
        var status = caller.SendRequestAsync("INVITE", "application/sdp", Offer);
        _net.Pump();
        Assert.Equal(200, await status);
        Assert.Equal($"sip:acd@127.0.0.1:{A};transport=udp", callee.Dialog!.RemoteTarget);
        Assert.Contains(Drain(callee), e => e is SipCallRequest { Method: "INVITE" });
    }

    [Fact]
    public async Task ReInvite_OfferAnswererSet_ItsAnswerInThe200AndKeptAsTheLocalDescription()
    {
        var (caller, callee) = Connect();
        var hold = Encoding.ASCII.GetBytes("v=0\r\no=b 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=recvonly\r\n");
        string? offered = null;
        callee.OfferAnswerer = offer =>
        {
            offered = Encoding.ASCII.GetString(offer.Span);
            return hold;
        };

        var status = caller.SendRequestAsync("INVITE", "application/sdp", Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Offer) + "a=sendonly\r\n"));
        _net.Pump();

        Assert.Equal(200, await status);
        Assert.EndsWith("a=sendonly\r\n", offered);
        var ok = _net.DeliveredTo(A).Last(m => m.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && m.Contains("CSeq: 2 INVITE", StringComparison.Ordinal));
        Assert.EndsWith("a=recvonly\r\n", ok);
        Assert.Contains(Drain(callee), e => e is SipCallRequest { Method: "INVITE", StatusCode: 200 });

        // An offer-less re-INVITE gets the description the answerer gave, now the local one.
        var refresh = caller.SendRequestAsync("INVITE");
        _net.Pump();
        Assert.Equal(200, await refresh);
        Assert.EndsWith("a=recvonly\r\n", _net.DeliveredTo(A).Last(m => m.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && m.Contains("CSeq: 3 INVITE", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ReInvite_OfferAnswererRefuses_488AndTheCallStays()
    {
        var (caller, callee) = Connect();
        callee.OfferAnswerer = _ => null;

        var status = caller.SendRequestAsync("INVITE", "application/sdp", Offer);
        _net.Pump();

        Assert.Equal(488, await status);
        Assert.Equal(SipCallState.Answered, callee.State);
        Assert.Equal(SipCallState.Answered, caller.State);
        Assert.DoesNotContain(Drain(callee), e => e is SipCallRequest);
    }

    [Fact]
    public async Task SendRequestAsync_NoDialog_481()
    {
        var caller = Originate();
        Assert.Equal(481, await caller.SendRequestAsync("INFO"));
    }

    [Fact]
    public void Receive_ByeForEndedDialog_481()
    {
        var (caller, callee) = Connect();
        callee.Hangup();
        _net.Pump();
        Assert.Equal(SipCallState.Ended, caller.State);
        // The peer's BYE retransmission after the transaction: nothing left, and nothing crashes.
        Assert.Equal(0, _a.Dialogs.Count);
        Assert.Equal(0, _b.Dialogs.Count);
    }
}
