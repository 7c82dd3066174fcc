using Acd.Media.Audio;
using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Acd.Media.Tests;

public class MediaLegTests
{
    internal static MediaLeg Leg(MediaMetrics metrics, G711Law law = G711Law.MuLaw, TestSink? sink = null, uint ssrc = 0x1234, string name = "leg")
    {
        var leg = new MediaLeg(name, new RtpSendStream(ssrc, 65530, 1000), metrics);
        leg.Configure(new NegotiatedMedia { Codec = law, TelephoneEventPayloadType = 101, Direction = SdpDirection.SendRecv });
        leg.Sink = sink ?? new TestSink();
        return leg;
    }

    internal static void Tick(IPacedStream stream, int count)
    {
        for (var i = 0; i < count; i++)
        {
            stream.OnTick(new PacingTick(i, i, 0));
        }
    }

    internal static byte[] Packet(byte pt, ushort seq, uint ts, uint ssrc, byte[] payload, bool marker = false)
    {
        var buffer = new byte[12 + payload.Length];
        RtpPacket.Write(buffer, pt, marker, seq, ts, ssrc, payload);
        return buffer;
    }

    private static Prompt Constant(int frames, short value) => Prompt.FromSamples("p", Enumerable.Repeat(value, frames * 160).ToArray());

    [Fact]
    public void Play_TwoPromptsInTurn_SequenceAndTimestampContinueWithMarkerAtEachStart()
    {
        using var metrics = new MediaMetrics();
        var sink = new TestSink();
        var leg = Leg(metrics, sink: sink);
        var finished = new List<PlaybackEnd>();
        leg.PlaybackFinished += (_, _, e) => finished.Add(e);

        leg.Play(new PromptPlayer([Constant(3, 100)]));
        Tick(leg, 4);
        leg.Play(new PromptPlayer([Constant(3, 200)]));
        Tick(leg, 3);

        var packets = sink.Packets();
        Assert.Equal(6, packets.Count);
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].Seq + 1), packets[i].Seq); // wraps 65535 -> 0
            Assert.Equal(packets[i - 1].Ts + 160, packets[i].Ts);
        }

        Assert.Equal([true, false, false, true, false, false], packets.Select(p => p.Marker));
        Assert.Equal([PlaybackEnd.Completed], finished);
    }

    [Fact]
    public void PlaybackFinished_ReplacedThenCompletedThenStopped_ReportsEachEndingSource()
    {
        using var metrics = new MediaMetrics();
        var leg = Leg(metrics);
        var ends = new List<(IFrameSource Source, PlaybackEnd End)>();
        leg.PlaybackFinished += (_, source, e) => ends.Add((source, e));
        var first = new PromptPlayer([Constant(5, 100)]);
        var second = new PromptPlayer([Constant(2, 100)]);
        var third = new SilenceSource();

        leg.Play(first);
        Tick(leg, 1);
        leg.Play(second);
        Tick(leg, 3);
        leg.Play(third);
        leg.Stop();

        Assert.Equal(3, ends.Count);
        Assert.Same(first, ends[0].Source);
        Assert.Equal(PlaybackEnd.Stopped, ends[0].End);
        Assert.Same(second, ends[1].Source);
        Assert.Equal(PlaybackEnd.Completed, ends[1].End);
        Assert.Same(third, ends[2].Source);
        Assert.Equal(PlaybackEnd.Stopped, ends[2].End);
    }

    [Fact]
    public void OnRtp_TelephoneEventWithBargeIn_StopsPromptAndRaisesDigitOnce()
    {
        using var metrics = new MediaMetrics();
        var leg = Leg(metrics);
        var digits = new List<DtmfDigit>();
        var ends = new List<PlaybackEnd>();
        leg.DigitReceived += (_, d) => digits.Add(d);
        leg.PlaybackFinished += (_, _, e) => ends.Add(e);
        leg.Play(new PromptPlayer([Constant(50, 100)], bargeIn: true));
        Tick(leg, 2);

        var ev = new byte[4];
        for (var i = 0; i < 8; i++)
        {
            new TelephoneEvent(3, i >= 5, 10, (ushort)(Math.Min(i + 1, 5) * 160)).Write(ev);
            leg.OnRtp(Packet(101, (ushort)(10 + i), 8000, 99, ev, marker: i == 0), 0);
        }

        Assert.Equal('3', Assert.Single(digits).Digit);
        Assert.Equal(DtmfSource.Rfc4733, digits[0].Source);
        Assert.Equal([PlaybackEnd.BargedIn], ends);
        Assert.False(leg.IsPlaying);
    }

    [Fact]
    public void OnRtp_PromptWithoutBargeIn_KeepsPlaying()
    {
        using var metrics = new MediaMetrics();
        var leg = Leg(metrics);
        leg.Play(new PromptPlayer([Constant(50, 100)]));
        Assert.True(leg.OnSipInfo("application/dtmf-relay", "Signal=1\r\nDuration=100\r\n"u8));
        Assert.True(leg.IsPlaying);
    }

    [Fact]
    public void OnRtp_InbandDtmfAudio_DetectedWhenEnabled()
    {
        using var metrics = new MediaMetrics();
        var leg = Leg(metrics, G711Law.ALaw);
        leg.DetectInbandDtmf(true);
        var digits = new List<char>();
        leg.DigitReceived += (_, d) => digits.Add(d.Digit);
        var samples = Fixtures.Wav("dtmf-loud.wav");
        var payload = new byte[160];
        for (var i = 0; i + 160 <= samples.Length; i += 160)
        {
            G711.Encode(G711Law.ALaw, samples.AsSpan(i, 160), payload);
            leg.OnRtp(Packet(8, (ushort)(i / 160), (uint)i, 5, payload), 0);
        }

        Assert.Equal("123A456B789C*0#D", new string([.. digits]));
    }

    [Fact]
    public void SendDigits_WhilePlaying_EventPacketsReplaceAudioThenAudioResumes()
    {
        using var metrics = new MediaMetrics();
        var sink = new TestSink();
        var leg = Leg(metrics, sink: sink);
        leg.Play(new PromptPlayer([Constant(100, 100)]));
        Tick(leg, 2);
        Assert.True(leg.SendDigits("9"));
        Tick(leg, 10);

        var packets = sink.Packets();
        var events = packets.Where(p => p.Pt == 101).ToList();
        Assert.Equal(8, events.Count);
        Assert.True(events[0].Marker);
        Assert.All(events, e => Assert.Equal(events[0].Ts, e.Ts));
        Assert.Equal(packets[2].Ts, events[0].Ts);
        var resumed = packets[^2];
        Assert.Equal(0, resumed.Pt);
        Assert.Equal(events[0].Ts + (8 * 160), resumed.Ts); // media timeline kept running during the event
        Assert.Equal(packets.Count, packets.Select(p => p.Seq).Distinct().Count());
    }

    [Fact]
    public void OnRtp_MalformedAndUnknown_DroppedAndCounted()
    {
        using var metrics = new MediaMetrics();
        using var dropped = new MetricCollector<long>(metrics.Dropped);
        var leg = Leg(metrics);
        Assert.Equal(RtpParseStatus.TooShort, leg.OnRtp(new byte[5], 0));
        Assert.Equal(RtpParseStatus.BadVersion, leg.OnRtp(new byte[20], 0));
        leg.OnRtp(Packet(18, 1, 0, 1, new byte[20]), 0);

        var measurements = dropped.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count(m => (string?)m.Tags["reason"] == "malformed"));
        Assert.Equal(1, measurements.Count(m => (string?)m.Tags["reason"] == "unknown_payload_type"));
        Assert.Equal(1, leg.UnknownPayloadTypes);
    }

    [Fact]
    public void OnTick_PacketsCountedInMetricsWithDirectionTag()
    {
        using var metrics = new MediaMetrics();
        using var packets = new MetricCollector<long>(metrics.Packets);
        var leg = Leg(metrics);
        leg.Play(new PromptPlayer([Constant(5, 1)]));
        Tick(leg, 5);
        leg.OnRtp(Packet(0, 1, 0, 1, new byte[160]), 0);

        var snapshot = packets.GetMeasurementSnapshot();
        Assert.Equal(5, snapshot.Where(m => (string?)m.Tags["direction"] == "out").Sum(m => m.Value));
        Assert.Equal(1, snapshot.Where(m => (string?)m.Tags["direction"] == "in").Sum(m => m.Value));
        Assert.All(snapshot, m => Assert.Single(m.Tags));
    }

    [Fact]
    public void OnTick_SendOnlyHold_NoPacketsSentWhenPeerDoesNotReceive()
    {
        using var metrics = new MediaMetrics();
        var sink = new TestSink();
        var leg = Leg(metrics, sink: sink);
        leg.Configure(new NegotiatedMedia { Codec = G711Law.MuLaw, Direction = SdpDirection.RecvOnly });
        leg.Play(new PromptPlayer([Constant(5, 1)]));
        Tick(leg, 5);
        Assert.Empty(sink.Datagrams);
    }
}

public class MediaLegHoldTests
{
    [Fact]
    public void OnTick_PromptOnHeldLeg_FinishesOnTimeWithoutSending()
    {
        using var metrics = new MediaMetrics();
        var sink = new TestSink();
        var leg = MediaLegTests.Leg(metrics, sink: sink);
        leg.Configure(new NegotiatedMedia { Codec = G711Law.MuLaw, Direction = SdpDirection.Inactive });
        var ends = new List<PlaybackEnd>();
        leg.PlaybackFinished += (_, _, e) => ends.Add(e);
        leg.Play(new PromptPlayer([Prompt.FromSamples("p", new short[160 * 3])]));
        MediaLegTests.Tick(leg, 4);
        Assert.Empty(sink.Datagrams);
        Assert.Equal([PlaybackEnd.Completed], ends);
    }
}
