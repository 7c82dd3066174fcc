using System.Net;
using System.Net.Sockets;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Acd.Transport.Clock;
using Acd.Transport.Rtp;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Acd.Transport.Tests.Rtp;

/// <summary>Real UDP sockets on loopback; each test bounded by a deadline.</summary>
public sealed class RtpSessionTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static int _nextRange = 42000;
    private readonly MediaMetrics _metrics = new();
    private readonly PacingClock _clock;
    private readonly RtpSessionFactory _factory;

    public RtpSessionTests()
    {
        var min = Interlocked.Add(ref _nextRange, 100) - 100;
        _clock = new PacingClock(TimeProvider.System, _metrics);
        var pool = new RtpPortPool(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = min, MaxPort = min + 99 });
        _factory = new RtpSessionFactory(pool, _clock, new RtpSessionOptions { RtcpInterval = TimeSpan.FromMilliseconds(200) }, TimeProvider.System, _metrics, new Random(7));
    }

    public void Dispose()
    {
        _clock.Dispose();
        _metrics.Dispose();
    }

    private static NegotiatedMedia Media(G711Law law = G711Law.MuLaw, IPEndPoint? remote = null) =>
        new() { Codec = law, TelephoneEventPayloadType = 101, Direction = SdpDirection.SendRecv, Remote = remote };

    private static Socket Udp()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static async Task<byte[]?> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[2048];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            return buffer[..result.ReceivedBytes];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }

    private static Prompt Tone() => ToneGenerator.Build(new ToneSpec("test", 1000, 0, TimeSpan.FromSeconds(2), TimeSpan.Zero));

    [Fact]
    public async Task Play_PacingClockToUdpSink_FramesEvery20msWithContinuousNumbering()
    {
        using var sink = Udp();
        await using var session = _factory.Create("caller")!;
        session.Leg.Configure(Media());
        session.SetRemote((IPEndPoint)sink.LocalEndPoint!);
        session.Leg.Play(new PromptPlayer([Tone()]));
        _clock.Start();

        var arrivals = new List<(long Ticks, ushort Seq, uint Ts, int Length)>();
        while (arrivals.Count < 25)
        {
            var datagram = await ReceiveAsync(sink, Deadline);
            Assert.NotNull(datagram);
            if (RtpPacket.TryParse(datagram, out var p) == RtpParseStatus.Ok)
            {
                arrivals.Add((System.Diagnostics.Stopwatch.GetTimestamp(), p.SequenceNumber, p.Timestamp, p.Payload.Length));
            }
        }

        for (var i = 1; i < arrivals.Count; i++)
        {
            Assert.Equal((ushort)(arrivals[i - 1].Seq + 1), arrivals[i].Seq);
            var step = arrivals[i].Ts - arrivals[i - 1].Ts;
            Assert.True(step > 0 && step % 160 == 0, $"timestamp step {step}"); // > 160 only after a stall the clock skipped
            Assert.Equal(160, arrivals[i].Length);
        }

        // Paced, not burst: the frames did not arrive faster than the media time they span. (On time is measured
        // by the scheduler and the media-load benchmark; receive-side delays on a loaded box only add time here.)
        // Frames the clock skipped after a stall advance the timestamp without being sent: not media that was sent.
        var seconds = (arrivals[^1].Ticks - arrivals[0].Ticks) / (double)System.Diagnostics.Stopwatch.Frequency;
        var skipped = Enumerable.Range(1, arrivals.Count - 1).Sum(i => (int)((arrivals[i].Ts - arrivals[i - 1].Ts) / 160) - 1);
        var mediaSeconds = ((arrivals[^1].Ts - arrivals[0].Ts) / 8000.0) - (skipped * 0.020);
        Assert.True(seconds >= mediaSeconds - 0.045, $"{seconds:F3} s for {mediaSeconds:F3} s of media sent ({skipped} frames skipped): a burst");
        Assert.True(session.PacingHandle!.Ticks >= 25);
    }

    [Fact]
    public async Task Receive_FirstSource_LatchesAndRepliesThereThenRejectsInjection()
    {
        await using var session = _factory.Create("caller")!;
        session.Leg.Configure(Media());
        session.SetRemote(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40000)); // SDP says one thing (behind NAT)
        using var phone = Udp();
        using var attacker = Udp();
        var local = new IPEndPoint(IPAddress.Loopback, session.LocalPort);
        using var rejected = new MetricCollector<long>(_metrics.Dropped);

        var packet = new byte[172];
        RtpPacket.Write(packet, 0, false, 1, 160, 0xCAFE, new byte[160]);
        await phone.SendToAsync(packet, local);
        await WaitUntilAsync(() => session.Latched);
        Assert.Equal(phone.LocalEndPoint, session.Remote);

        RtpPacket.Write(packet, 0, false, 2, 320, 0xBAD, new byte[160]);
        await attacker.SendToAsync(packet, local);
        await WaitUntilAsync(() => session.RejectedSources == 1);
        Assert.Equal(1, session.Leg.Receive.Received); // only the phone's packet

        session.Leg.Play(new PromptPlayer([Tone()]));
        _clock.Start();
        Assert.NotNull(await ReceiveAsync(phone, Deadline)); // media goes to the latched source
        Assert.Contains(rejected.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "unexpected_source");
    }

    [Fact]
    public async Task Receive_MalformedDatagrams_DroppedCountedAndSessionSurvives()
    {
        await using var session = _factory.Create("caller")!;
        session.Leg.Configure(Media());
        using var phone = Udp();
        var local = new IPEndPoint(IPAddress.Loopback, session.LocalPort);
        await phone.SendToAsync(new byte[3], local);
        await phone.SendToAsync(new byte[40], local); // version 0
        await phone.SendToAsync(new byte[] { 0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 }, local);
        await WaitUntilAsync(() => session.Malformed == 3);
        Assert.False(session.Latched); // malformed packets do not latch

        var packet = new byte[172];
        RtpPacket.Write(packet, 0, false, 1, 160, 1, new byte[160]);
        await phone.SendToAsync(packet, local);
        await WaitUntilAsync(() => session.Leg.Receive.Received == 1);
    }

    [Fact]
    public async Task TwoSessions_PlayingToEachOther_RtcpRoundTripAndNoLoss()
    {
        await using var a = _factory.Create("a")!;
        await using var b = _factory.Create("b")!;
        a.Apply(Media(G711Law.MuLaw, new IPEndPoint(IPAddress.Loopback, b.LocalPort)));
        b.Apply(Media(G711Law.ALaw, new IPEndPoint(IPAddress.Loopback, a.LocalPort)));
        a.Leg.Play(new PromptPlayer([Tone()]));
        b.Leg.Play(new PromptPlayer([Tone()]));
        _clock.Start();

        await WaitUntilAsync(() => a.Leg.Rtcp.RoundTripTime is not null && b.Leg.Rtcp.RoundTripTime is not null && a.Leg.Receive.Received > 20);
        Assert.InRange(a.Leg.Rtcp.RoundTripTime!.Value.TotalMilliseconds, 0, 2000); // loopback; generous for a loaded box
        Assert.Equal(0, a.Leg.Rtcp.RemoteCumulativeLost);
        Assert.Equal(0, b.Leg.Receive.CumulativeLost);
        var stats = a.Leg.Statistics();
        Assert.True(stats.PacketsSent > 20 && stats.PacketsReceived > 20);
        Assert.True(stats.OctetsReceived >= stats.PacketsReceived * 160 - 160);
        Assert.Equal(0, stats.PacketsLost);
        Assert.NotNull(stats.RoundTripTime);
    }

    [Fact]
    public async Task Rtcp_LossyPeer_ReceiverReportCarriesLossAndJitter()
    {
        using var phoneRtp = Udp();
        using var phoneRtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var rtpPort = ((IPEndPoint)phoneRtp.LocalEndPoint!).Port;
        phoneRtcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var session = _factory.Create("caller")!;
        session.Leg.Configure(Media());
        session.SetRemote(new IPEndPoint(IPAddress.Loopback, rtpPort));
        var local = new IPEndPoint(IPAddress.Loopback, session.LocalPort);

        var packet = new byte[172];
        for (var i = 0; i < 50; i++)
        {
            if (i % 5 == 2)
            {
                continue; // 10 of 50 lost
            }

            RtpPacket.Write(packet, 0, false, (ushort)(1000 + i), (uint)(i * 160), 0xFEED, new byte[160]);
            await phoneRtp.SendToAsync(packet, local);
        }

        await WaitUntilAsync(() => session.Leg.Receive.Received == 40);

        // RTCP goes to the latched RTP source's port + 1 until the peer's own RTCP latches; receive it there.
        session.SetRemote(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)phoneRtcp.LocalEndPoint!).Port - 1));
        session.SendRtcpReport();
        var report = await ReceiveAsync(phoneRtcp, Deadline);
        Assert.NotNull(report);
        Assert.Equal(RtcpParseStatus.Ok, Rtcp.TryParse(report, out var compound));
        var block = Assert.Single(compound.Blocks);
        Assert.Equal(0xFEEDu, block.Ssrc);
        Assert.Equal(10, block.CumulativeLost); // every fifth of 50
        Assert.Equal((uint)(1000 + 49), block.ExtendedHighestSequence);
        Assert.Equal(51, block.FractionLost); // 10/50 of 256
        Assert.Equal(session.Leg.Receive.Jitter, block.Jitter, 1.0);
    }

    [Fact]
    public async Task DtmfFromPeer_Rfc4733_RaisesDigitOnceOverUdp()
    {
        await using var session = _factory.Create("caller")!;
        session.Leg.Configure(Media());
        var digits = new List<char>();
        session.Leg.DigitReceived += (_, d) =>
        {
            lock (digits)
            {
                digits.Add(d.Digit);
            }
        };
        using var phone = Udp();
        var local = new IPEndPoint(IPAddress.Loopback, session.LocalPort);
        var packet = new byte[16];
        var payload = new byte[4];
        for (var i = 0; i < 8; i++)
        {
            new TelephoneEvent(11, i >= 5, 10, (ushort)(Math.Min(i + 1, 5) * 160)).Write(payload);
            RtpPacket.Write(packet, 101, i == 0, (ushort)i, 4000, 3, payload);
            await phone.SendToAsync(packet, local);
        }

        await WaitUntilAsync(() => session.Leg.Receive.Received == 8);
        lock (digits)
        {
            Assert.Equal("#", new string([.. digits]));
        }
    }

    [Fact]
    public async Task Bridge_CallerPcmaToAgentPcmu_TranscodedOverUdpAndRecordedStereo()
    {
        using var callerPhone = Udp();
        using var agentPhone = Udp();
        await using var caller = _factory.Create("caller")!;
        await using var agent = _factory.Create("agent")!;
        caller.Apply(Media(G711Law.ALaw, (IPEndPoint)callerPhone.LocalEndPoint!));
        agent.Apply(Media(G711Law.MuLaw, (IPEndPoint)agentPhone.LocalEndPoint!));
        using var bridge = new Acd.Media.Mixing.MediaBridge(caller.Leg, agent.Leg);
        var path = Path.Combine(Path.GetTempPath(), $"acd-bridge-{Guid.NewGuid():N}.wav");
        _clock.Start();
        var recorder = bridge.StartRecording(path, _clock, _metrics);
        try
        {
            var pcm = Enumerable.Repeat((short)4000, 160).ToArray();
            var payload = new byte[160];
            G711.Encode(G711Law.ALaw, pcm, payload);
            var packet = new byte[172];
            var local = new IPEndPoint(IPAddress.Loopback, caller.LocalPort);
            for (var i = 0; i < 10; i++)
            {
                RtpPacket.Write(packet, 8, i == 0, (ushort)i, (uint)(i * 160), 0xC0FFEE, payload);
                await callerPhone.SendToAsync(packet, local);
            }

            var expected = new byte[160];
            G711.Transcode(G711Law.ALaw, G711Law.MuLaw, payload, expected);
            for (var i = 0; i < 10; i++)
            {
                var datagram = await ReceiveAsync(agentPhone, Deadline);
                Assert.NotNull(datagram);
                Assert.Equal(RtpParseStatus.Ok, RtpPacket.TryParse(datagram, out var p));
                Assert.Equal(0, p.PayloadType);
                Assert.Equal(agent.Leg.Send.Ssrc, p.Ssrc);
                Assert.Equal(expected, p.Payload.ToArray());
            }

            // The recorder takes one frame per side per 20 ms tick from a short queue; let it drain.
            await WaitUntilAsync(() => recorder.FramesQueued >= 6);
        }
        finally
        {
            Assert.Equal(path, await bridge.StopRecordingAsync());
        }

        try
        {
            var bytes = await File.ReadAllBytesAsync(path);
            Assert.True(recorder.FramesWritten > 0);
            var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes.AsSpan(44)).ToArray();
            Assert.Contains(samples.Where((_, i) => i % 2 == 0), s => s is > 3800 and < 4200); // caller on the left
            Assert.All(samples.Where((_, i) => i % 2 == 1), s => Assert.Equal(0, s));        // the agent phone was silent
        }
        finally
        {
            File.Delete(path);
        }
    }
}
