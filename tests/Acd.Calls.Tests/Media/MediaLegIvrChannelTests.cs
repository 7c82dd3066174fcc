using System.Text;
using Acd.Calls.Media;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Calls.Tests.Media;

public sealed class MediaLegIvrChannelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("acd-ivr-media-").FullName;
    private readonly MediaMetrics _mediaMetrics = new();
    private readonly IvrMediaMetrics _metrics = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero));
    private readonly CountingSink _sink = new();
    private readonly MediaLeg _leg;
    private readonly MediaLegIvrChannel _channel;

    public MediaLegIvrChannelTests()
    {
        _leg = new MediaLeg("caller", new RtpSendStream(0x1234, 100, 1000), _mediaMetrics);
        _leg.Configure(new NegotiatedMedia { Codec = G711Law.MuLaw, TelephoneEventPayloadType = 101, Direction = SdpDirection.SendRecv });
        _leg.Sink = _sink;
        _channel = new MediaLegIvrChannel(_leg, new PromptCache(), new IvrMediaOptions { RecordingDirectory = Path.Combine(_dir, "vm") }, _time, _metrics);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _metrics.Dispose();
        _mediaMetrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PlayAsync_TwoPrompts_CompletesAfterEveryFrameIsSent()
    {
        var task = _channel.PlayAsync([Wav("a", frames: 3), Wav("b", frames: 2)], CancellationToken.None);

        Tick(_leg, 5);
        Assert.False(task.IsCompleted);
        Tick(_leg, 1); // the tick that finds the source empty
        await task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(5, _sink.Count);
        Assert.False(_leg.IsPlaying);
    }

    [Fact]
    public async Task PlayAsync_TokenCancelled_StopsTheLegAndCancelsTheTask()
    {
        using var cts = new CancellationTokenSource();
        var task = _channel.PlayAsync([Wav("a", frames: 50)], cts.Token);
        Tick(_leg, 2);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(_leg.IsPlaying);
        Tick(_leg, 3);
        Assert.Equal(2, _sink.Count);
    }

    [Fact]
    public async Task PlayAsync_CallLayerStopsTheLeg_CompletesWithoutCancellation()
    {
        var task = _channel.PlayAsync([Wav("a", frames: 50)], CancellationToken.None);

        _leg.Stop();

        await task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task PlayAsync_ReplacesASourceTheCallLayerPlayed_ThatSourcesEndDoesNotEndThePrompt()
    {
        var first = _channel.PlayAsync([Wav("a", frames: 50)], CancellationToken.None);
        _leg.Play(new SilenceSource()); // the call layer plays over the IVR: the prompt ends as stopped
        await first.WaitAsync(TimeSpan.FromSeconds(5));

        var second = _channel.PlayAsync([Wav("b", frames: 2)], CancellationToken.None); // replaces the silence

        Assert.False(second.IsCompleted);
        Tick(_leg, 3);
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(second.IsCompletedSuccessfully);
        Assert.Equal(2, _sink.Count);
    }

    [Fact]
    public async Task PlayAsync_PromptsInTurn_ReuseTheSourceOnceTheLegReportedItsEnd()
    {
        var sources = new List<IFrameSource>();
        _leg.PlaybackFinished += (_, source, _) => sources.Add(source);

        for (var i = 0; i < 3; i++)
        {
            var task = _channel.PlayAsync([Wav("a" + i, frames: 2)], CancellationToken.None);
            Tick(_leg, 3);
            await task.WaitAsync(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(3, sources.Count);
        Assert.Same(sources[0], sources[1]);
        Assert.Same(sources[1], sources[2]);
        Assert.Equal(6, _sink.Count); // each use played its own prompt from its first frame
    }

    [Fact]
    public async Task PlayAsync_WhilePlaying_EndsThePreviousPlaybackAndPlaysTheNew()
    {
        var first = _channel.PlayAsync([Wav("a", frames: 50)], CancellationToken.None);
        var second = _channel.PlayAsync([Wav("b", frames: 2)], CancellationToken.None);

        await first.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second.IsCompleted);
        Tick(_leg, 3);
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, _sink.Count);
    }

    [Fact]
    public async Task PlayAsync_MissingFile_SkipsItCountsItAndPlaysTheRest()
    {
        using var errors = new MetricCollector<long>(null, IvrMediaMetrics.MeterName, "acd_ivr_media_prompt_errors_total");
        var missing = new IvrPrompt("missing", Path.Combine(_dir, "missing.wav"));

        var task = _channel.PlayAsync([missing, Wav("b", frames: 2)], CancellationToken.None);
        Tick(_leg, 3);
        await task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, _sink.Count);
        Assert.Equal(1, errors.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.True((await Task.WhenAny(_channel.PlayAsync([missing], CancellationToken.None))).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task RunAsync_DigitsOnTheLeg_DriveTheMenuAndBargeIntoItsPrompt()
    {
        var script = Compile("""
            start: menu
            nodes:
              menu:
                kind: menu
                prompt: main-menu
                options: { "1": sales }
                timeout: 5s
                on_failure: sales
              sales:
                kind: queue
                queue: sales
            """);
        using var ivrMetrics = new IvrMetrics();
        var engine = new IvrEngine(_time, ivrMetrics);
        var started = new PromptWatch();
        var session = engine.CreateSession(script, new IvrCallInfo("c1", "+15550001", "100"), _channel, new NoQueues(), started);
        _channel.Attach(session);
        var run = session.RunAsync();

        await started.First.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(SpinWait.SpinUntil(() => _leg.IsPlaying, TimeSpan.FromSeconds(5))); // the observer hears of a prompt before the leg plays it
        Tick(_leg, 2);
        Assert.True(_leg.OnSipInfo("application/dtmf-relay", "Signal=1\r\nDuration=160\r\n"u8));

        var result = await run.WaitAsync(TimeSpan.FromSeconds(5));
        var queue = Assert.IsType<IvrQueueOutcome>(result.Outcome);
        Assert.Equal("sales", queue.Queue);
        Assert.False(_leg.IsPlaying); // the digit stopped the menu prompt
    }

    [Fact]
    public async Task RunAsync_MenuTimesOutOnTheFakeClock_PlaysTheTimeoutPromptThenFails()
    {
        var script = Compile("""
            start: menu
            nodes:
              menu:
                kind: menu
                prompt: main-menu
                options: { "1": sales }
                timeout: 5s
                timeout_prompt: no-input
                max_retries: 1
                on_failure: bye
              sales:
                kind: queue
                queue: sales
              bye:
                kind: hangup
            """);
        using var ivrMetrics = new IvrMetrics();
        var timers = new TimerWatch(_time);
        var engine = new IvrEngine(timers, ivrMetrics);
        var watch = new PromptWatch();
        var session = engine.CreateSession(script, new IvrCallInfo("c2", "+15550002", "100"), _channel, new NoQueues(), watch);
        _channel.Attach(session);
        var run = session.RunAsync();

        await watch.First.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(SpinWait.SpinUntil(() => _leg.IsPlaying, TimeSpan.FromSeconds(5))); // the observer hears of a prompt before the leg plays it
        var armed = timers.Next();
        var firstFrames = Tick(_leg, 100_000, until: () => !_leg.IsPlaying);
        var retry = watch.Next();
        await armed.WaitAsync(TimeSpan.FromSeconds(5)); // the menu's timer is armed when its prompt has played
        _time.Advance(TimeSpan.FromSeconds(5));

        var prompts = await retry.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["no-input", "main-menu"], prompts.Select(p => p.Name));
        Assert.True(firstFrames > 10);
        Assert.True(SpinWait.SpinUntil(() => _leg.IsPlaying, TimeSpan.FromSeconds(5)));
        armed = timers.Next();
        Tick(_leg, 100_000, until: () => !_leg.IsPlaying);
        await armed.WaitAsync(TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));

        var result = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.IsType<IvrHangupOutcome>(result.Outcome);
    }

    [Fact]
    public async Task RecordAsync_WithBeep_PlaysTheBeepThenWritesWhatTheCallerSaysForMaxLength()
    {
        var task = _channel.RecordAsync(new IvrRecordRequest("sales team", TimeSpan.FromSeconds(2), Beep: true), CancellationToken.None);
        var beepFrames = Tick(_leg, 1000, until: () => !_leg.IsPlaying);
        Assert.True(SpinWait.SpinUntil(() => _leg.Forwarder is not null, TimeSpan.FromSeconds(5)));

        var payload = new byte[160];
        G711.Encode(G711Law.MuLaw, Enumerable.Repeat((short)1000, 160).ToArray(), payload);
        for (var i = 0; i < 5; i++)
        {
            var packet = new byte[12 + 160];
            RtpPacket.Write(packet, 0, false, (ushort)i, (uint)(i * 160), 0xCAFE, payload);
            _leg.OnRtp(packet, i);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        var recording = await task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(11, beepFrames); // 10 frames of the 200 ms beep, then the tick that finds it played out
        Assert.Equal(10, _sink.Count);
        Assert.Null(_leg.Forwarder);
        Assert.StartsWith("sales_team-20261123T150000000-", Path.GetFileName(recording.Path), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(100), recording.Duration);
        var wav = WavFile.Read(recording.Path);
        Assert.Equal(800, wav.Audio!.Samples.Length);
        Assert.InRange(wav.Audio.Samples[400], 900, 1100);
    }

    [Fact]
    public async Task RecordAsync_HangUpWhileRecording_CancelsAndReleasesTheLeg()
    {
        using var cts = new CancellationTokenSource();
        var task = _channel.RecordAsync(new IvrRecordRequest("sales", TimeSpan.FromSeconds(30), Beep: false), cts.Token);
        Assert.True(SpinWait.SpinUntil(() => _leg.Forwarder is not null, TimeSpan.FromSeconds(5)));

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(_leg.Forwarder);
    }

    [Fact]
    public async Task RecordAsync_LegAlreadyBridged_FailsWithoutCreatingAFile()
    {
        _leg.Forwarder = new NullForwarder();

        await Assert.ThrowsAsync<InvalidOperationException>(() => _channel.RecordAsync(new IvrRecordRequest("sales", TimeSpan.FromSeconds(5), Beep: false), CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(_dir, "vm")));
    }

    [Fact]
    public void Validate_BadOptions_ReturnsEveryError()
    {
        var errors = new IvrMediaOptions { RecordingDirectory = " ", RecordingQueueFrames = 0 }.Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("RecordingDirectory", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("RecordingQueueFrames", StringComparison.Ordinal));
    }

    private static int Tick(IPacedStream stream, int count, Func<bool>? until = null)
    {
        var i = 0;
        for (; i < count && (until is null || !until()); i++)
        {
            stream.OnTick(new PacingTick(i, i, 0));
        }

        return i;
    }

    private static IvrScript Compile(string yaml)
    {
        var prompts = IvrPromptLibrary.FromDirectory(Path.Combine(RepoRoot(), "ivr-scripts", "prompts"));
        var result = IvrScriptLoader.Load("test.yaml", yaml, prompts, DateTimeOffset.UnixEpoch);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Script!;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Acd.sln not found");
    }

    private IvrPrompt Wav(string name, int frames)
    {
        var path = Path.Combine(_dir, name + ".wav");
        using (var stream = File.Create(path))
        {
            var samples = Enumerable.Repeat((short)500, frames * 160).ToArray();
            var bytes = new byte[samples.Length * 2];
            Buffer.BlockCopy(samples, 0, bytes, 0, bytes.Length);
            var header = new byte[44];
            Encoding.ASCII.GetBytes("RIFF").CopyTo(header, 0);
            BitConverter.GetBytes(36 + bytes.Length).CopyTo(header, 4);
            Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(header, 8);
            BitConverter.GetBytes(16).CopyTo(header, 16);
            BitConverter.GetBytes((short)1).CopyTo(header, 20);
            BitConverter.GetBytes((short)1).CopyTo(header, 22);
            BitConverter.GetBytes(8000).CopyTo(header, 24);
            BitConverter.GetBytes(16000).CopyTo(header, 28);
            BitConverter.GetBytes((short)2).CopyTo(header, 32);
            BitConverter.GetBytes((short)16).CopyTo(header, 34);
            Encoding.ASCII.GetBytes("data").CopyTo(header, 36);
            BitConverter.GetBytes(bytes.Length).CopyTo(header, 40);
            stream.Write(header);
            stream.Write(bytes);
        }

        return new IvrPrompt(name, path);
    }

    private sealed class CountingSink : IRtpSink
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void SendRtp(ReadOnlySpan<byte> datagram) => Interlocked.Increment(ref _count);
    }

    private sealed class NullForwarder : IMediaForwarder
    {
        public void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law)
        {
        }

        public void OnTelephoneEvent(MediaLeg from, in RtpPacket packet)
        {
        }
    }

    private sealed class NoQueues : IIvrQueueInfo
    {
        public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new IvrQueueStatus(TimeSpan.FromSeconds(10), 1, 0));
    }

    /// <summary>Signals prompt starts (no sleeping in tests).</summary>
    private sealed class PromptWatch : IvrObserver
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource<IReadOnlyList<IvrPrompt>> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PromptWatch() => First = _started.Task;

        public Task<IReadOnlyList<IvrPrompt>> First { get; }

        public Task<IReadOnlyList<IvrPrompt>> Next()
        {
            lock (_gate)
            {
                _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return _started.Task;
            }
        }

        public override void PromptsStarted(IvrSession session, IReadOnlyList<IvrPrompt> prompts)
        {
            lock (_gate)
            {
                _started.TrySetResult(prompts);
            }
        }
    }

    /// <summary>The fake clock, telling the test when the session arms a timer (creates one, or re-arms it).</summary>
    private sealed class TimerWatch(FakeTimeProvider fake) : TimeProvider
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

        public Task Next()
        {
            lock (_gate)
            {
                _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return _created.Task;
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new WatchedTimer(this, fake.CreateTimer(callback, state, dueTime, period));
            Armed(dueTime);
            return timer;
        }

        private void Armed(TimeSpan dueTime)
        {
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }

            lock (_gate)
            {
                _created.TrySetResult();
            }
        }

        /// <summary>A session re-arms one timer: a Change with a due time is an arm too.</summary>
        private sealed class WatchedTimer(TimerWatch watch, ITimer inner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                var changed = inner.Change(dueTime, period);
                watch.Armed(dueTime);
                return changed;
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
