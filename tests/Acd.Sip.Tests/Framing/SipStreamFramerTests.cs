using System.Buffers;
using System.Text;
using Acd.Sip.Framing;
using Acd.Testing.Buffers;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Framing;

public sealed class SipStreamFramerTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void TryReadFrame_Ping_ReportedAndConsumed()
    {
        var events = StreamFeeder.Feed([B("\r\n\r\n")], SipParserLimits.Default);
        Assert.Equal([SipFrameStatus.Ping], events.Select(e => e.Status));
    }

    [Fact]
    public void TryReadFrame_PingSplitByteByByte_StillOnePing()
    {
        var events = StreamFeeder.Feed(FragmentedSequence.Chunks(B("\r\n\r\n"), 1), SipParserLimits.Default);
        Assert.Equal([SipFrameStatus.Ping], events.Select(e => e.Status));
    }

    [Fact]
    public void TryReadFrame_LoneCrlfOnServer_HeldUntilNextByte()
    {
        var events = StreamFeeder.Feed([B("\r\n")], SipParserLimits.Default);
        Assert.Equal([SipFrameStatus.NeedMoreData], events.Select(e => e.Status));
    }

    [Fact]
    public void TryReadFrame_LoneCrlfOnClient_Pong()
    {
        var events = StreamFeeder.Feed([B("\r\n")], SipParserLimits.Default, reportPongs: true);
        Assert.Equal([SipFrameStatus.Pong], events.Select(e => e.Status));
    }

    [Fact]
    public void TryReadFrame_PingsAndMessagesInterleaved_AllFramedInOrder()
    {
        var stream = B("\r\n\r\n").Concat(SampleMessages.Invite).Concat(B("\r\n\r\n")).Concat(SampleMessages.Ok200).Concat(B("\r\n")).Concat(SampleMessages.Register).ToArray();
        foreach (var size in new[] { 1, 3, 100, stream.Length })
        {
            var events = StreamFeeder.Feed(FragmentedSequence.Chunks(stream, size), SipParserLimits.Default);
            Assert.Equal([SipFrameStatus.Ping, SipFrameStatus.Message, SipFrameStatus.Ping, SipFrameStatus.Message, SipFrameStatus.Pong, SipFrameStatus.Message], events.Select(e => e.Status));
            Assert.Equal(SampleMessages.Invite, events[1].Frame);
            Assert.Equal(SampleMessages.Ok200, events[3].Frame);
            Assert.Equal(SampleMessages.Register, events[5].Frame);
        }
    }

    [Fact]
    public void TryReadFrame_NeedMoreData_ConsumesNothing()
    {
        var framer = new SipStreamFramer(SipParserLimits.Default);
        var partial = new ReadOnlySequence<byte>(SampleMessages.Invite.AsMemory(0, 500));
        var before = partial;
        Assert.Equal(SipFrameStatus.NeedMoreData, framer.TryReadFrame(ref partial, out _, out _));
        Assert.Equal(before.Length, partial.Length);
    }

    [Fact]
    public void TryReadFrame_HeaderSectionOverLimit_Error513()
    {
        var limits = new SipParserLimits(maxMessageBytes: 1024);
        var junk = B("INVITE sip:a@b SIP/2.0\r\nX: " + new string('a', 2000));
        var events = StreamFeeder.Feed(FragmentedSequence.Chunks(junk, 100), limits);
        Assert.Equal(SipFrameStatus.Error, events[^1].Status);
        Assert.Equal(SipParseErrorCode.MessageTooLarge, events[^1].Error.Code);
        Assert.Equal(513, events[^1].Error.StatusCode);
    }

    [Fact]
    public void TryReadFrame_AfterError_StaysFaulted()
    {
        var framer = new SipStreamFramer(SipParserLimits.Default);
        var bad = new ReadOnlySequence<byte>(B("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n"));
        Assert.Equal(SipFrameStatus.Error, framer.TryReadFrame(ref bad, out _, out var e1));
        Assert.True(framer.IsFaulted);
        var good = new ReadOnlySequence<byte>(SampleMessages.Ok200);
        Assert.Equal(SipFrameStatus.Error, framer.TryReadFrame(ref good, out _, out var e2));
        Assert.Equal(e1, e2);
    }

    [Fact]
    public void TryReadFrame_CompactFoldedContentLength_Found()
    {
        var msg = B("OPTIONS sip:a@b SIP/2.0\r\nl :\r\n 5\r\n\r\nhello");
        var events = StreamFeeder.Feed([msg], SipParserLimits.Default);
        Assert.Equal(SipFrameStatus.Message, events[0].Status);
        Assert.Equal(msg, events[0].Frame);
    }

    [Fact]
    public void TryReadFrame_ResponseWithBadFraming_StatusZero()
    {
        var events = StreamFeeder.Feed([B("SIP/2.0 200 OK\r\nVia: x\r\n\r\n")], SipParserLimits.Default);
        Assert.Equal(SipFrameStatus.Error, events[0].Status);
        Assert.Equal(0, events[0].Error.StatusCode);
    }

    [Fact]
    public void TryReadFrame_HeaderLineWithBlankName_NoCrash()
    {
        // Found by the fuzzer: a line " : 1" made the Content-Length scan look up an empty header name.
        var events = StreamFeeder.Feed([B("OPTIONS sip:a@b SIP/2.0\r\n\t: 1\r\nl: 0\r\n\r\n")], SipParserLimits.Default);
        Assert.Equal(SipFrameStatus.Message, events[0].Status);
        Assert.Equal(SipHeaderId.Unknown, SipHeaderNames.Lookup(default));
    }
}
