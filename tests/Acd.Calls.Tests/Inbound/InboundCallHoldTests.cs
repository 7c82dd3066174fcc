using System.Text;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Sip.Ua;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

// Hold and resume from the agent's phone (re-INVITE sendonly/inactive, then sendrecv), answered with mirrored SDP.
public sealed partial class InboundCallTests
{
    [Theory]
    [InlineData("sendonly", "recvonly")]
    [InlineData("inactive", "inactive")]
    public async Task AgentReInvite_HoldThenResume_MusicToTheCallerMirroredAnswersAndHoldTimeCounted(string holdDirection, string answered)
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);
        _net.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(200, await ReofferAsync(phone, holdDirection, cseq: 1));
        var holdAnswer = LastOk(PhonePort, 1);
        Assert.Contains("a=" + answered + "\r\n", holdAnswer);
        Assert.Contains("m=audio " + AgentPortIn(phone) + " RTP/AVP 0 101\r\n", holdAnswer);
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Held, Service.Find(caller.CallId)!.State);
        Assert.False(_media.Bridged);
        _net.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(200, await ReofferAsync(phone, "sendrecv", cseq: 2));
        Assert.Contains("a=sendrecv\r\n", LastOk(PhonePort, 2));
        await BarrierAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Talking, Service.Find(caller.CallId)!.State);
        Assert.True(_media.Bridged);
        _net.Advance(TimeSpan.FromSeconds(5));

        caller.Hangup();
        await UntilAsync(() => Service.PendingRecords == 1, "the pending record");
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal((20.0, 15.0), (record.HoldSeconds, record.TalkSeconds));
        Assert.Equal(["hold", "resume"], record.Events.Where(e => e.Kind is "hold" or "resume").Select(e => e.Kind));
    }

    [Fact]
    public async Task AgentReInvite_CallEndsWhileHeld_HoldTimeCountedToTheEnd()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        Assert.Equal(200, await ReofferAsync(phone, "sendonly", cseq: 1));
        await BarrierAsync(caller.CallId);
        _net.Advance(TimeSpan.FromSeconds(12));
        phone.Hangup();

        await UntilAsync(() => Service.PendingRecords == 1, "the pending record");
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal((12.0, 0.0), (record.HoldSeconds, record.TalkSeconds));
    }

    [Fact]
    public async Task CallerReInvite_NewOffer_AnsweredWithTheCallersCodecAndPortMirrored()
    {
        var caller = await CallInAsync();
        var first = Encoding.UTF8.GetString(caller.RemoteSdp.Span);

        var status = caller.SendRequestAsync("INVITE", "application/sdp", Encoding.UTF8.GetBytes(CallerOffer.Replace("a=sendrecv", "a=sendonly", StringComparison.Ordinal)));
        await UntilAsync(() => status.IsCompleted, "the 200");

        Assert.Equal(200, await status);
        var answer = LastOk(CallerPort, 2);
        Assert.Contains("a=recvonly\r\n", answer);
        Assert.Contains(first.Split("\r\n").First(l => l.StartsWith("m=audio", StringComparison.Ordinal)).Replace(" 0 8 101", " 0 101", StringComparison.Ordinal), answer);
        Assert.Equal(SipCallState.Answered, caller.State);
    }

    private async Task<int> ReofferAsync(SipCall phone, string direction, int cseq)
    {
        var sdp = PhoneAnswer.Replace("o=- 2 2", "o=- 2 " + (cseq + 2), StringComparison.Ordinal).Replace("a=sendrecv", "a=" + direction, StringComparison.Ordinal);
        var status = phone.SendRequestAsync("INVITE", "application/sdp", Encoding.UTF8.GetBytes(sdp));
        await UntilAsync(() => status.IsCompleted, "the re-INVITE's answer");
        return await status;
    }

    private string LastOk(int port, int cseq) =>
        _net.DeliveredTo(port).Last(m => m.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && m.Contains($"CSeq: {cseq} INVITE", StringComparison.Ordinal));

    /// <summary>The port of our media for the phone (the m= line of the INVITE we sent it).</summary>
    private static string AgentPortIn(SipCall phone) =>
        Encoding.UTF8.GetString(phone.RemoteSdp.Span).Split("\r\n").First(l => l.StartsWith("m=audio", StringComparison.Ordinal)).Split(' ')[1];
}
