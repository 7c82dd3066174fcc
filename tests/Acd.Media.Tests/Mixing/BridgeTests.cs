using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Mixing;
using Acd.Media.Recording;
using static Acd.Media.Tests.MediaLegTests;

namespace Acd.Media.Tests.Mixing;

public class BridgeTests
{
    [Fact]
    public void OnAudio_SameCodec_PayloadPassedThroughOnAgentsOwnNumbering()
    {
        using var metrics = new MediaMetrics();
        var toAgent = new TestSink();
        var caller = Leg(metrics, G711Law.MuLaw, name: "caller");
        var agent = Leg(metrics, G711Law.MuLaw, toAgent, ssrc: 0xA6E7, name: "agent");
        using var bridge = new MediaBridge(caller, agent);

        var payload = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        for (var i = 0; i < 5; i++)
        {
            caller.OnRtp(Packet(0, (ushort)(300 + i), (uint)(50_000 + (i * 160)), 0xCA11, payload), 0);
        }

        var packets = toAgent.Packets();
        Assert.Equal(5, packets.Count);
        Assert.All(packets, p => Assert.Equal(payload, p.Payload));
        Assert.Equal(65530, packets[0].Seq); // the agent leg's own sequence
        Assert.Equal(1000u, packets[0].Ts);
        Assert.Equal(1000u + (4 * 160), packets[4].Ts);
        Assert.True(packets[0].Marker);
    }

    [Fact]
    public void OnAudio_PcmuToPcma_TranscodedByTable()
    {
        using var metrics = new MediaMetrics();
        var toAgent = new TestSink();
        var caller = Leg(metrics, G711Law.MuLaw);
        var agent = Leg(metrics, G711Law.ALaw, toAgent);
        using var bridge = new MediaBridge(caller, agent);
        var payload = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        caller.OnRtp(Packet(0, 1, 0, 1, payload), 0);

        var expected = new byte[160];
        G711.Transcode(G711Law.MuLaw, G711Law.ALaw, payload, expected);
        var packet = Assert.Single(toAgent.Packets());
        Assert.Equal(8, packet.Pt);
        Assert.Equal(expected, packet.Payload);
        Assert.True(bridge.Transcoding);
    }

    [Fact]
    public void OnTelephoneEvent_PassedThroughWithMappedTimestampAndDigitRaised()
    {
        using var metrics = new MediaMetrics();
        var toAgent = new TestSink();
        var caller = Leg(metrics);
        var agent = Leg(metrics, sink: toAgent);
        using var bridge = new MediaBridge(caller, agent);
        var digits = new List<char>();
        caller.DigitReceived += (_, d) => digits.Add(d.Digit);

        caller.OnRtp(Packet(0, 1, 8000, 7, new byte[160]), 0);
        var ev = new byte[4];
        new TelephoneEvent(7, false, 10, 160).Write(ev);
        caller.OnRtp(Packet(101, 2, 8160, 7, ev, marker: true), 0);
        new TelephoneEvent(7, true, 10, 800).Write(ev);
        caller.OnRtp(Packet(101, 3, 8160, 7, ev), 0);

        var packets = toAgent.Packets();
        Assert.Equal([0, 101, 101], packets.Select(p => (int)p.Pt));
        Assert.Equal(packets[0].Ts + 160, packets[1].Ts);
        Assert.Equal(packets[1].Ts, packets[2].Ts);
        Assert.Equal("7", new string([.. digits]));
    }

    [Fact]
    public void Relay_AgentHearingPrompt_BridgedAudioHeldBack()
    {
        using var metrics = new MediaMetrics();
        var toAgent = new TestSink();
        var caller = Leg(metrics);
        var agent = Leg(metrics, sink: toAgent);
        using var bridge = new MediaBridge(caller, agent);
        agent.Play(Acd.Media.Players.ToneGenerator.Player(Acd.Media.Players.ToneSpec.Beep));
        caller.OnRtp(Packet(0, 1, 0, 7, new byte[160]), 0);
        Assert.Empty(toAgent.Datagrams);
    }

    [Theory]
    [InlineData(SupervisorMode.Listen, 0, false, true, false)]
    [InlineData(SupervisorMode.Listen, 1, true, false, false)]
    [InlineData(SupervisorMode.Listen, 2, true, true, false)]
    [InlineData(SupervisorMode.Whisper, 0, false, true, false)]
    [InlineData(SupervisorMode.Whisper, 1, true, false, true)]
    [InlineData(SupervisorMode.Whisper, 2, true, true, false)]
    [InlineData(SupervisorMode.Barge, 0, false, true, true)]
    [InlineData(SupervisorMode.Barge, 1, true, false, true)]
    [InlineData(SupervisorMode.Barge, 2, true, true, false)]
    public void Hears_SupervisorModes_MatchTheRules(SupervisorMode mode, int listener, bool caller, bool agent, bool supervisor)
    {
        Assert.Equal(caller, ConferenceMixer.Hears(mode, listener, 0));
        Assert.Equal(agent, ConferenceMixer.Hears(mode, listener, 1));
        Assert.Equal(supervisor, ConferenceMixer.Hears(mode, listener, 2));
    }

    [Fact]
    public void OnTick_Whisper_AgentHearsSumCallerHearsOnlyAgent()
    {
        using var metrics = new MediaMetrics();
        var sinks = new[] { new TestSink(), new TestSink(), new TestSink() };
        var caller = Leg(metrics, G711Law.MuLaw, sinks[0]);
        var agent = Leg(metrics, G711Law.ALaw, sinks[1]);
        var supervisor = Leg(metrics, G711Law.MuLaw, sinks[2]);
        using var mixer = new ConferenceMixer(caller, agent, supervisor, SupervisorMode.Whisper);

        byte[] Frame(G711Law law, short value)
        {
            var f = new byte[160];
            G711.Encode(law, Enumerable.Repeat(value, 160).ToArray(), f);
            return f;
        }

        caller.OnRtp(Packet(0, 1, 0, 1, Frame(G711Law.MuLaw, 1000)), 0);
        agent.OnRtp(Packet(8, 1, 0, 2, Frame(G711Law.ALaw, 2000)), 0);
        supervisor.OnRtp(Packet(0, 1, 0, 3, Frame(G711Law.MuLaw, 4000)), 0);
        mixer.OnTick(new Acd.Media.Clock.PacingTick(0, 0, 0));

        short Heard(TestSink sink, G711Law law)
        {
            var p = Assert.Single(sink.Packets());
            return law == G711Law.MuLaw ? G711.MuLawToLinear(p.Payload[0]) : G711.ALawToLinear(p.Payload[0]);
        }

        Assert.InRange(Heard(sinks[0], G711Law.MuLaw), 1900, 2100);        // caller: agent only
        Assert.InRange(Heard(sinks[1], G711Law.ALaw), 4800, 5200);         // agent: caller + supervisor
        Assert.InRange(Heard(sinks[2], G711Law.MuLaw), 2850, 3150);        // supervisor: caller + agent
    }

    [Fact]
    public async Task CallRecorder_BridgedCall_StereoFileCallerLeftAgentRight()
    {
        using var metrics = new MediaMetrics();
        var path = Path.Combine(Path.GetTempPath(), $"acd-rec-{Guid.NewGuid():N}", "call.wav");
        try
        {
            var caller = Leg(metrics, G711Law.MuLaw);
            var agent = Leg(metrics, G711Law.ALaw);
            using var bridge = new MediaBridge(caller, agent);
            var recorder = CallRecorder.Start(path, metrics);
            bridge.Recorder = recorder;
            var callerFrame = new byte[160];
            var agentFrame = new byte[160];
            G711.Encode(G711Law.MuLaw, Enumerable.Repeat((short)3000, 160).ToArray(), callerFrame);
            G711.Encode(G711Law.ALaw, Enumerable.Repeat((short)-6000, 160).ToArray(), agentFrame);
            for (var i = 0; i < 50; i++)
            {
                caller.OnRtp(Packet(0, (ushort)i, (uint)(i * 160), 1, callerFrame), 0);
                agent.OnRtp(Packet(8, (ushort)i, (uint)(i * 160), 2, agentFrame), 0);
                recorder.OnTick(new Acd.Media.Clock.PacingTick(i, i, 0));
            }

            await recorder.StopAsync();
            Assert.Equal(recorder.Path, path);
            Assert.Equal(50, recorder.FramesWritten);
            Assert.Equal(0, recorder.FramesDropped);

            var bytes = await File.ReadAllBytesAsync(path);
            Assert.Equal(44 + (50 * 160 * 4), bytes.Length);
            Assert.Equal(2, BitConverter.ToInt16(bytes, 22));
            var left = BitConverter.ToInt16(bytes, 44 + 400);
            var right = BitConverter.ToInt16(bytes, 44 + 402);
            Assert.InRange(left, 2900, 3100);
            Assert.InRange(right, -6200, -5800);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public async Task CallRecorder_WriterBehind_DropsAndCountsWithoutBlocking()
    {
        using var metrics = new MediaMetrics();
        var path = Path.Combine(Path.GetTempPath(), $"acd-rec-{Guid.NewGuid():N}.wav");
        try
        {
            var recorder = CallRecorder.Start(path, metrics, queueFrames: 1);
            for (var i = 0; i < 2000; i++)
            {
                recorder.OnTick(new Acd.Media.Clock.PacingTick(i, i, 0));
            }

            await recorder.StopAsync();
            Assert.Equal(2000, recorder.FramesQueued + recorder.FramesDropped);
            Assert.Equal(recorder.FramesQueued, recorder.FramesWritten);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StartRecording_ThroughScheduler_WritesAndStopReturnsPath()
    {
        using var metrics = new MediaMetrics();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var scheduler = new Acd.Media.Clock.MediaScheduler(time.TimestampFrequency);
        var path = Path.Combine(Path.GetTempPath(), $"acd-rec-{Guid.NewGuid():N}.wav");
        try
        {
            var caller = Leg(metrics);
            var agent = Leg(metrics);
            using var bridge = new MediaBridge(caller, agent);
            var recorder = bridge.StartRecording(path, scheduler, metrics);
            Assert.Throws<InvalidOperationException>(() => bridge.StartRecording(path, scheduler));
            for (var ms = 0; ms < 1000; ms++)
            {
                if (ms % 20 == 0)
                {
                    caller.OnRtp(Packet(0, (ushort)ms, (uint)(ms * 8), 1, new byte[160]), 0);
                }

                scheduler.RunDue(time.GetTimestamp());
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            Assert.Equal(path, await bridge.StopRecordingAsync());
            Assert.Equal(50, recorder.FramesWritten);
            Assert.Null(await bridge.StopRecordingAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task CallRecorder_DiskFull_ReportsErrorWithoutThrowing()
    {
        Assert.True(File.Exists("/dev/full"), "/dev/full (Linux) simulates a full disk");
        var recorder = CallRecorder.Start("/dev/full");
        for (var i = 0; i < 500; i++)
        {
            recorder.OnTick(new Acd.Media.Clock.PacingTick(i, i, 0)); // 500 frames, more than the 64 KiB file buffer
        }

        await recorder.StopAsync();
        Assert.NotNull(recorder.Error);
        Assert.Contains("/dev/full", recorder.Error, StringComparison.Ordinal);
    }
}
