using Acd.Sip.Transactions;
using Xunit;
using static Acd.Sip.Tests.Transactions.TransactionKit;

namespace Acd.Sip.Tests.Transactions;

public sealed class SipServerTransactionTests
{
    [Fact]
    public void ReceiveRequest_NewInvite_CreatesProceedingTransaction()
    {
        var kit = new TransactionKit();
        Assert.Equal(SipRequestDisposition.NewTransaction, kit.Layer.ReceiveRequest(Request("INVITE"), out var tx));
        Assert.NotNull(tx);
        Assert.True(tx.IsInvite);
        Assert.Equal(SipServerTransactionState.Proceeding, tx.State);
        Assert.Equal(1, kit.Layer.ServerCount);
    }

    [Fact]
    public void ArmTrying_TuSilentFor200Ms_Sends100Trying()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        tx!.ArmTrying(Bytes("100"));
        kit.AdvanceMs(190);
        Assert.Empty(kit.Sender.Sent);
        kit.AdvanceMs(10);
        Assert.Equal([TimeSpan.FromMilliseconds(200)], kit.Sender.Times("100"));
        Assert.Equal(100, tx.LastStatusCode);
    }

    [Fact]
    public void ArmTrying_TuAnswersFirst_NoTrying()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        tx!.ArmTrying(Bytes("100"));
        tx.Respond(180, Bytes("180"));
        kit.AdvanceMs(500);
        Assert.Equal(0, kit.Sender.Count("100"));
        Assert.Equal(1, kit.Sender.Count("180"));
    }

    [Fact]
    public void ReceiveRequest_InviteRetransmittedInProceeding_ResendsLastProvisional()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        tx!.Respond(180, Bytes("180"));
        Assert.Equal(SipRequestDisposition.Retransmission, kit.Layer.ReceiveRequest(Request("INVITE"), out var again));
        Assert.Null(again);
        Assert.Equal(2, kit.Sender.Count("180"));
    }

    [Fact]
    public void Respond_InviteFailureOverUdp_TimerGRetransmitsDoublingToT2()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        tx!.Respond(486, Bytes("486"));
        Assert.Equal(SipServerTransactionState.Completed, tx.State);
        kit.AdvanceMs(16_000);
        // sent at 0, then G at 0.5, 1.5, 3.5, 7.5, 11.5, 15.5 s (interval 0.5, 1, 2, 4, 4, 4).
        var ms = kit.Sender.Times("486").Select(t => (int)t.TotalMilliseconds).ToArray();
        Assert.Equal([0, 500, 1500, 3500, 7500, 11500, 15500], ms);
    }

    [Fact]
    public void ReceiveRequest_AckForFailure_AbsorbedConfirmedThenTerminatedAfterT4()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        tx!.Respond(486, Bytes("486"));
        Assert.Equal(SipRequestDisposition.AckAbsorbed, kit.Layer.ReceiveRequest(Request("ACK"), out _));
        Assert.Equal(SipServerTransactionState.Confirmed, tx.State);
        Assert.Equal(SipRequestDisposition.AckAbsorbed, kit.Layer.ReceiveRequest(Request("ACK"), out _));
        kit.AdvanceMs(4_990);
        Assert.Equal(1, kit.Sender.Count("486"));
        Assert.Equal(1, kit.Layer.ServerCount);
        kit.AdvanceMs(10);
        Assert.Equal(SipServerTransactionState.Terminated, tx.State);
        Assert.Equal(0, kit.Layer.ServerCount);
    }

    [Fact]
    public void Respond_InviteFailureNoAck_TimerHTimesOutAt64T1()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        var timedOut = 0;
        tx!.TimedOut += _ => timedOut++;
        tx.Respond(500, Bytes("500"));
        kit.Time.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Equal(0, timedOut);
        kit.Time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, timedOut);
        Assert.True(tx.HasTimedOut);
        Assert.Equal(SipServerTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Respond_InviteFailureOverTcp_NoRetransmissionAckTerminatesAtOnce()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE", peer: Tcp), out var tx);
        tx!.Respond(486, Bytes("486"));
        kit.AdvanceMs(5_000);
        Assert.Equal(1, kit.Sender.Count("486"));
        Assert.Equal(SipRequestDisposition.AckAbsorbed, kit.Layer.ReceiveRequest(Request("ACK", peer: Tcp), out _));
        Assert.Equal(SipServerTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Respond_Invite2xx_AcceptedAbsorbsRetransmissionsUntilTimerL()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var tx);
        tx!.Respond(200, Bytes("200"));
        Assert.Equal(SipServerTransactionState.Accepted, tx.State);
        Assert.Equal(SipRequestDisposition.Retransmission, kit.Layer.ReceiveRequest(Request("INVITE"), out _));
        Assert.Equal(1, kit.Sender.Count("200"));
        Assert.False(tx.Respond(486, Bytes("486")));
        kit.Time.Advance(TimeSpan.FromSeconds(32));
        Assert.Equal(SipServerTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Respond_NonInviteOverUdp_RetransmittedRequestGetsResponseUntilTimerJ()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("OPTIONS"), out var tx);
        Assert.Equal(SipServerTransactionState.Trying, tx!.State);
        Assert.Equal(SipRequestDisposition.Retransmission, kit.Layer.ReceiveRequest(Request("OPTIONS"), out _));
        Assert.Empty(kit.Sender.Sent);
        tx.Respond(200, Bytes("200"));
        kit.Layer.ReceiveRequest(Request("OPTIONS"), out _);
        Assert.Equal(2, kit.Sender.Count("200"));
        kit.Time.Advance(TimeSpan.FromSeconds(32));
        Assert.Equal(SipServerTransactionState.Terminated, tx.State);
        Assert.Equal(SipRequestDisposition.NewTransaction, kit.Layer.ReceiveRequest(Request("OPTIONS"), out _));
    }

    [Fact]
    public void Respond_NonInviteOverTcp_TerminatesImmediately()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("REGISTER", peer: Tcp), out var tx);
        tx!.Respond(200, Bytes("200"));
        Assert.Equal(SipServerTransactionState.Terminated, tx.State);
        Assert.Equal(0, kit.Layer.ServerCount);
    }

    [Fact]
    public void Respond_NonInviteProvisionalThenFinal_ProceedingThenCompleted()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("REGISTER"), out var tx);
        tx!.Respond(100, Bytes("100"));
        Assert.Equal(SipServerTransactionState.Proceeding, tx.State);
        kit.Layer.ReceiveRequest(Request("REGISTER"), out _);
        Assert.Equal(2, kit.Sender.Count("100"));
        tx.Respond(401, Bytes("401"));
        Assert.Equal(SipServerTransactionState.Completed, tx.State);
    }

    [Fact]
    public void ReceiveRequest_BadBranch_Rejected()
    {
        var kit = new TransactionKit();
        Assert.Equal(SipRequestDisposition.BadBranch, kit.Layer.ReceiveRequest(Request("OPTIONS", branch: "z9hG4bK"), out var tx));
        Assert.Null(tx);
        Assert.Equal(0, kit.Layer.ServerCount);
    }

    [Fact]
    public void ReceiveRequest_Rfc2543NoBranch_MatchesRetransmissionAndAck()
    {
        var kit = new TransactionKit();
        Assert.Equal(SipRequestDisposition.NewTransaction, kit.Layer.ReceiveRequest(Request("INVITE", branch: null), out var tx));
        Assert.Equal(SipRequestDisposition.Retransmission, kit.Layer.ReceiveRequest(Request("INVITE", branch: null), out _));
        tx!.Respond(404, Bytes("404"));
        Assert.Equal(SipRequestDisposition.AckAbsorbed, kit.Layer.ReceiveRequest(Request("ACK", branch: null), out _));
        Assert.Equal(SipRequestDisposition.NewTransaction, kit.Layer.ReceiveRequest(Request("INVITE", branch: null, cseq: 2), out _));
    }

    [Fact]
    public void ReceiveRequest_SameBranchOtherSentBy_DifferentTransaction()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("OPTIONS"), out _);
        var other = Request("OPTIONS") with { SentBy = "127.0.0.2:5060" };
        Assert.Equal(SipRequestDisposition.NewTransaction, kit.Layer.ReceiveRequest(other, out _));
    }

    [Fact]
    public void MatchCancel_BeforeFinal_PendingThen487AndAck()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var invite);
        invite!.Respond(180, Bytes("180"));
        Assert.Equal(SipRequestDisposition.NewTransaction, kit.Layer.ReceiveRequest(Request("CANCEL"), out var cancel));
        Assert.Equal(SipCancelMatch.Pending, kit.Layer.MatchCancel(Request("CANCEL"), out var matched));
        Assert.Same(invite, matched);
        cancel!.Respond(200, Bytes("200 CANCEL"));
        Assert.True(invite.Respond(487, Bytes("487")));
        Assert.Equal(SipRequestDisposition.AckAbsorbed, kit.Layer.ReceiveRequest(Request("ACK"), out _));
        Assert.Equal(SipServerTransactionState.Confirmed, invite.State);
    }

    [Fact]
    public void MatchCancel_After200_AlreadyAnsweredAndInviteUntouched()
    {
        var kit = new TransactionKit();
        kit.Layer.ReceiveRequest(Request("INVITE"), out var invite);
        invite!.Respond(200, Bytes("200"));
        kit.Layer.ReceiveRequest(Request("CANCEL"), out _);
        Assert.Equal(SipCancelMatch.AlreadyAnswered, kit.Layer.MatchCancel(Request("CANCEL"), out _));
        Assert.False(invite.Respond(487, Bytes("487")));
        Assert.Equal(0, kit.Sender.Count("487"));
    }

    [Fact]
    public void MatchCancel_UnknownBranch_NoTransaction()
    {
        var kit = new TransactionKit();
        Assert.Equal(SipCancelMatch.NoTransaction, kit.Layer.MatchCancel(Request("CANCEL", branch: "z9hG4bK-unknown"), out var invite));
        Assert.Null(invite);
    }

    [Fact]
    public void RetransmitSuccessUntilAck_AckArrives_StopsAndPassesAck()
    {
        var kit = new TransactionKit();
        kit.Layer.RetransmitSuccessUntilAck("call-1", 1, Bytes("200"), Udp);
        kit.AdvanceMs(1_600);
        Assert.Equal(2, kit.Sender.Count("200")); // at 0.5 and 1.5 s
        Assert.Equal(SipRequestDisposition.AckForSuccess, kit.Layer.ReceiveRequest(Request("ACK", branch: "z9hG4bK-ack"), out _));
        kit.AdvanceMs(10_000);
        Assert.Equal(2, kit.Sender.Count("200"));
        Assert.Equal(0, kit.Layer.PendingSuccessCount);
        Assert.Equal(SipRequestDisposition.StrayAck, kit.Layer.ReceiveRequest(Request("ACK", branch: "z9hG4bK-ack"), out _));
    }

    [Fact]
    public void RetransmitSuccessUntilAck_NoAck_TimesOutAfter64T1()
    {
        var kit = new TransactionKit();
        var timedOut = 0;
        kit.Layer.RetransmitSuccessUntilAck("call-1", 1, Bytes("200"), Udp, () => timedOut++);
        kit.AdvanceMs(32_000);
        Assert.Equal(1, timedOut);
        // 0.5, 1.5, 3.5, 7.5, 11.5, ... 31.5 s: intervals 0.5, 1, 2, 4 then 4 s.
        Assert.Equal(10, kit.Sender.Count("200"));
        Assert.Equal(0, kit.Layer.PendingSuccessCount);
    }
}
