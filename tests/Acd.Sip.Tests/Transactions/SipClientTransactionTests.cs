using Acd.Sip.Transactions;
using Xunit;
using static Acd.Sip.Tests.Transactions.TransactionKit;

namespace Acd.Sip.Tests.Transactions;

public sealed class SipClientTransactionTests
{
    private static SipResponseInfo Response(int status, string method = "INVITE", string branch = "z9hG4bK-c1") => new(status, branch, method);

    [Fact]
    public void SendRequest_InviteOverUdpNoAnswer_TimerADoublesAndTimerBFires()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        var tx = kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Udp, user);
        kit.AdvanceMs(32_000);
        var ms = kit.Sender.Times("INVITE").Select(t => (int)t.TotalMilliseconds).ToArray();
        Assert.Equal([0, 500, 1500, 3500, 7500, 15500, 31500], ms);
        Assert.Equal(1, user.Timeouts);
        Assert.Equal(SipClientTransactionState.Terminated, tx.State);
        Assert.Equal(0, kit.Layer.ClientCount);
    }

    [Fact]
    public void SendRequest_InviteOverTcp_NoRetransmission()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Tcp, user);
        kit.AdvanceMs(31_000);
        Assert.Equal(1, kit.Sender.Count("INVITE"));
        kit.AdvanceMs(1_000);
        Assert.Equal(1, user.Timeouts);
    }

    [Fact]
    public void ReceiveResponse_Provisional_StopsRetransmissionAndTimerB()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        var tx = kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Udp, user);
        kit.AdvanceMs(600);
        Assert.Same(tx, kit.Layer.ReceiveResponse(Response(180)));
        Assert.True(tx.CanCancel);
        kit.AdvanceMs(60_000);
        Assert.Equal(2, kit.Sender.Count("INVITE"));
        Assert.Equal(0, user.Timeouts);
        Assert.Equal([180], user.Responses);
    }

    [Fact]
    public void ReceiveResponse_InviteFailure_AcksAndAbsorbsRetransmissionsUntilTimerD()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        var tx = kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Udp, user);
        kit.Layer.ReceiveResponse(Response(486));
        Assert.Equal(SipClientTransactionState.Completed, tx.State);
        kit.Layer.ReceiveResponse(Response(486));
        Assert.Equal([486], user.Responses);
        Assert.Equal(2, kit.Sender.Count("ACK"));
        Assert.Equal(1, user.AcksBuilt);
        kit.Time.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Equal(SipClientTransactionState.Completed, tx.State);
        kit.Time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(SipClientTransactionState.Terminated, tx.State);
        Assert.Equal(1, kit.Sender.Count("INVITE"));
    }

    [Fact]
    public void ReceiveResponse_Invite2xx_AcceptedDeliversRetransmissionsUntilTimerM()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        var tx = kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Udp, user);
        kit.Layer.ReceiveResponse(Response(180));
        kit.Layer.ReceiveResponse(Response(200));
        kit.Layer.ReceiveResponse(Response(200));
        Assert.Equal(SipClientTransactionState.Accepted, tx.State);
        Assert.Equal([180, 200, 200], user.Responses);
        Assert.Equal(0, kit.Sender.Count("ACK"));
        kit.Time.Advance(TimeSpan.FromSeconds(32));
        Assert.Equal(SipClientTransactionState.Terminated, tx.State);
        Assert.Null(kit.Layer.ReceiveResponse(Response(200)));
    }

    [Fact]
    public void SendRequest_NonInviteNoAnswer_TimerECapsAtT2AndTimerFFires()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        kit.Layer.SendRequest("OPTIONS", "z9hG4bK-c1", Bytes("OPTIONS"), Udp, user);
        kit.AdvanceMs(32_000);
        var ms = kit.Sender.Times("OPTIONS").Select(t => (int)t.TotalMilliseconds).ToArray();
        Assert.Equal([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500], ms);
        Assert.Equal(1, user.Timeouts);
    }

    [Fact]
    public void ReceiveResponse_NonInviteProvisional_RetransmitsAtT2()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        kit.Layer.SendRequest("REGISTER", "z9hG4bK-c1", Bytes("REGISTER"), Udp, user);
        kit.Layer.ReceiveResponse(Response(100, "REGISTER"));
        kit.AdvanceMs(8_000);
        Assert.Equal([0, 4000, 8000], kit.Sender.Times("REGISTER").Select(t => (int)t.TotalMilliseconds).ToArray());
    }

    [Fact]
    public void ReceiveResponse_NonInviteFinal_AbsorbsRetransmissionsUntilTimerK()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        var tx = kit.Layer.SendRequest("REGISTER", "z9hG4bK-c1", Bytes("REGISTER"), Udp, user);
        kit.Layer.ReceiveResponse(Response(200, "REGISTER"));
        kit.Layer.ReceiveResponse(Response(200, "REGISTER"));
        Assert.Equal([200], user.Responses);
        kit.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(SipClientTransactionState.Terminated, tx.State);
        Assert.Equal(1, kit.Sender.Count("REGISTER"));
    }

    [Fact]
    public void ReceiveResponse_OtherMethodSameBranch_NotMatched()
    {
        var kit = new TransactionKit();
        var user = new RecordingUser();
        kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Udp, user);
        Assert.Null(kit.Layer.ReceiveResponse(Response(200, "CANCEL")));
        Assert.Empty(user.Responses);
    }

    [Fact]
    public void SendRequest_CancelRaceWith200_BothTransactionsComplete()
    {
        var kit = new TransactionKit();
        var inviteUser = new RecordingUser();
        var cancelUser = new RecordingUser();
        var invite = kit.Layer.SendRequest("INVITE", "z9hG4bK-c1", Bytes("INVITE"), Udp, inviteUser);
        kit.Layer.ReceiveResponse(Response(180));
        Assert.True(invite.CanCancel);
        var cancel = kit.Layer.SendRequest("CANCEL", "z9hG4bK-c1", Bytes("CANCEL"), Udp, cancelUser);
        // The UAS answered 200 to the INVITE before it saw the CANCEL: 200 INVITE then 200 CANCEL.
        kit.Layer.ReceiveResponse(Response(200));
        kit.Layer.ReceiveResponse(Response(200, "CANCEL"));
        Assert.Equal([180, 200], inviteUser.Responses);
        Assert.Equal([200], cancelUser.Responses);
        Assert.Equal(SipClientTransactionState.Accepted, invite.State);
        Assert.Equal(SipClientTransactionState.Completed, cancel.State);
    }

    [Fact]
    public void SendRequest_DuplicateBranch_Throws()
    {
        var kit = new TransactionKit();
        kit.Layer.SendRequest("OPTIONS", "z9hG4bK-c1", Bytes("OPTIONS"), Udp, new RecordingUser());
        Assert.Throws<InvalidOperationException>(() => kit.Layer.SendRequest("OPTIONS", "z9hG4bK-c1", Bytes("OPTIONS"), Udp, new RecordingUser()));
    }

    [Fact]
    public void NewBranch_Twice_DistinctWithCookie()
    {
        var a = SipTransactionLayer.NewBranch();
        Assert.StartsWith("z9hG4bK", a, StringComparison.Ordinal);
        Assert.NotEqual(a, SipTransactionLayer.NewBranch());
    }

    [Fact]
    public void Constructor_InvalidTimers_ThrowsWithEveryError()
    {
        var kit = new TransactionKit();
        var ex = Assert.Throws<ArgumentException>(() => new SipTransactionLayer(kit.Sender, kit.Time, new SipTimerOptions { T1 = TimeSpan.Zero, TryingDelay = TimeSpan.FromSeconds(1) }));
        Assert.Contains("T1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TryingDelay", ex.Message, StringComparison.Ordinal);
    }
}
