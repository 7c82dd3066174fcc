using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Ivr.Tests;

internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string SampleScripts => Path.Combine(RepoRoot, "ivr-scripts");

    public static string BrokenScripts => Path.Combine(RepoRoot, "tests", "Acd.Ivr.Tests", "broken");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Acd.sln not found above " + AppContext.BaseDirectory);
    }
}

internal static class TestScripts
{
    public static IvrPromptLibrary SamplePrompts { get; } = IvrPromptLibrary.FromDirectory(Path.Combine(TestPaths.SampleScripts, "prompts"));

    public static IvrLoadResult Load(string yaml, string file = "test.yaml") =>
        IvrScriptLoader.Load(file, yaml, SamplePrompts, DateTimeOffset.UnixEpoch);

    public static IvrScript Compile(string yaml)
    {
        var result = Load(yaml);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Script!;
    }

    public static IvrScript Sample(string name = "customer-service")
    {
        var result = IvrScriptLoader.LoadFile(Path.Combine(TestPaths.SampleScripts, name + ".yaml"), SamplePrompts, DateTimeOffset.UnixEpoch);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Diagnostics));
        return result.Script!;
    }
}

/// <summary>
/// A call driven by a test on a FakeTimeProvider: plays complete instantly (or are held until released), queue
/// conditions come from a dictionary, and <see cref="UntilIdleAsync"/> waits (without sleeping) until the session
/// has nothing to do and a condition holds.
/// </summary>
internal sealed class CallHarness : IvrObserver, IIvrMedia, IIvrQueueInfo, IDisposable
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _heldPlayback;
    private bool _quiescent;
    private int _digitsPosted;
    private int _digitsAtIdle;

    private CallHarness(FakeTimeProvider time, IvrMetrics metrics)
    {
        Time = time;
        Timers = new TrackingTimeProvider(time);
        Metrics = metrics;
        Engine = new IvrEngine(Timers, metrics);
    }

    public FakeTimeProvider Time { get; }

    public TrackingTimeProvider Timers { get; }

    public IvrMetrics Metrics { get; }

    public IvrEngine Engine { get; }

    public IvrSession Session { get; private set; } = null!;

    public Task<IvrResult> Run { get; private set; } = null!;

    public List<string> Played { get; } = [];

    /// <summary>The token of every PlayAsync, in order.</summary>
    public List<CancellationToken> PlayTokens { get; } = [];

    /// <summary>The prompt list of every prompt start, in order.</summary>
    public List<IReadOnlyList<IvrPrompt>> Started { get; } = [];

    public List<string> Entered { get; } = [];

    public List<string> InputErrors { get; } = [];

    public List<IvrRecordRequest> Recordings { get; } = [];

    public Dictionary<string, IvrQueueStatus> Queues { get; } = new(StringComparer.Ordinal);

    /// <summary>When true, PlayAsync returns a task that completes only on <see cref="FinishPlayback"/> or cancellation.</summary>
    public bool HoldPlayback { get; set; }

    public int PlaybacksCancelled { get; private set; }

    public int IdleCount { get; private set; }

    public static CallHarness Start(IvrScript script, DateTimeOffset? at = null, Action<CallHarness>? configure = null, IvrMetrics? metrics = null, string caller = "+15551234567", string dialed = "100")
    {
        var harness = new CallHarness(new FakeTimeProvider(at ?? new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero)), metrics ?? new IvrMetrics());
        configure?.Invoke(harness);
        harness.Session = harness.Engine.CreateSession(script, new IvrCallInfo("call-1", caller, dialed), harness, harness, harness);
        harness.Run = harness.Session.RunAsync();
        return harness;
    }

    public async Task UntilIdleAsync(Func<bool> condition)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                // Only an idle session is stable: after Idle nothing moves until the test acts.
                if (_quiescent && _digitsAtIdle == _digitsPosted && condition())
                {
                    return;
                }

                wait = _idle.Task;
            }

            var finished = await Task.WhenAny(wait, Run).WaitAsync(TimeSpan.FromSeconds(10));
            if (finished == Run && !wait.IsCompleted)
            {
                lock (_gate)
                {
                    Assert.True(condition(), "the session ended before the condition held; entered: " + string.Join(",", Entered));
                }

                return;
            }
        }
    }

    public Task AtNodeAsync(string node) => UntilIdleAsync(() => Session.CurrentNode == node);

    public void Press(string digits)
    {
        // An idle counts only once every posted digit was consumed (see Idle).
        foreach (var digit in digits)
        {
            lock (_gate)
            {
                _digitsPosted++;
            }

            Assert.True(Session.PostDigit(digit));
        }
    }

    /// <summary>Advances the fake clock; if no timer fired, the session is still idle.</summary>
    public void Advance(TimeSpan delta)
    {
        bool wasQuiescent;
        lock (_gate)
        {
            wasQuiescent = _quiescent;
            _quiescent = false;
        }

        var fired = Timers.Fired;
        Time.Advance(delta);
        if (Timers.Fired == fired)
        {
            lock (_gate)
            {
                _quiescent = wasQuiescent;
            }
        }
    }

    public void Hangup()
    {
        Act();
        Session.Hangup();
    }

    public void FinishPlayback()
    {
        TaskCompletionSource? held;
        lock (_gate)
        {
            _quiescent = false;
            held = _heldPlayback;
            _heldPlayback = null;
        }

        held?.TrySetResult();
    }

    private void Act()
    {
        lock (_gate)
        {
            _quiescent = false;
        }
    }

    public Task<IvrResult> ResultAsync() => Run.WaitAsync(TimeSpan.FromSeconds(10));

    public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var prompt in prompts)
            {
                Assert.True(File.Exists(prompt.Path), "prompt file missing: " + prompt.Path);
                Played.Add(prompt.Name);
            }

            PlayTokens.Add(cancellationToken);

            if (!HoldPlayback)
            {
                return Task.CompletedTask;
            }

            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    PlaybacksCancelled++;
                }

                held.TrySetCanceled(cancellationToken);
            });
            _heldPlayback = held;
            return held.Task;
        }
    }

    public Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Recordings.Add(request);
        }

        return Task.FromResult(new IvrRecording($"/var/spool/acd/{request.Mailbox}.wav", TimeSpan.FromSeconds(12)));
    }

    public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Queues.TryGetValue(queue, out var status) ? status : new IvrQueueStatus(TimeSpan.Zero, 1, 0));

    public override void PromptsStarted(IvrSession session, IReadOnlyList<IvrPrompt> prompts)
    {
        lock (_gate)
        {
            Started.Add(prompts);
        }
    }

    public override void NodeEntered(IvrSession session, string node, IvrNodeKind kind)
    {
        lock (_gate)
        {
            Entered.Add(node);
        }
    }

    public override void InputError(IvrSession session, string node, string reason)
    {
        lock (_gate)
        {
            InputErrors.Add($"{node}:{reason}");
        }
    }

    public override void Idle(IvrSession session)
    {
        TaskCompletionSource idle;
        lock (_gate)
        {
            IdleCount++;
            _quiescent = true;
            _digitsAtIdle = session.DigitsReceived;
            idle = _idle;
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        idle.TrySetResult();
    }

    public void Dispose()
    {
        Session.Hangup();
        Metrics.Dispose();
    }
}

/// <summary>A FakeTimeProvider view that counts live timers, to check that sessions release theirs.</summary>
internal sealed class TrackingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    private int _active;
    private int _fired;
    private (TimerCallback Callback, object? State)? _last;

    public int ActiveTimers => Volatile.Read(ref _active);

    public int Fired => Volatile.Read(ref _fired);

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <summary>Runs the last created timer's callback now, as a firing that was already under way when the timer was re-armed.</summary>
    public void FireLastNow()
    {
        var (callback, state) = _last ?? throw new InvalidOperationException("no timer created");
        callback(state);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _last = (callback, state);
        Interlocked.Increment(ref _active);
        return new Tracked(inner.CreateTimer(s => { Interlocked.Increment(ref _fired); callback(s); }, state, dueTime, period), this);
    }

    private sealed class Tracked(ITimer timer, TrackingTimeProvider owner) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._active);
            }

            timer.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
