using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;

namespace Acd.Benchmarks.Ivr;

/// <summary>Shared pieces: the sample script, and a caller that answers instantly (no clock, no I/O).</summary>
internal static class IvrBenchSupport
{
    public static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("ACD_REPO_ROOT") is { Length: > 0 } configured)
        {
            return configured;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository (Acd.sln not found)");
    }

    public static IvrScript LoadSample()
    {
        var scripts = Path.Combine(RepoRoot(), "ivr-scripts");
        var result = IvrScriptLoader.LoadFile(Path.Combine(scripts, "customer-service.yaml"), IvrPromptLibrary.FromDirectory(Path.Combine(scripts, "prompts")), DateTimeOffset.UtcNow);
        return result.Script ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics));
    }

    /// <summary>A menu that loops on '9' (re-entry) and leaves on '1': measures transitions without call set-up.</summary>
    public static IvrScript LoadLoop()
    {
        var prompts = IvrPromptLibrary.FromDirectory(Path.Combine(RepoRoot(), "ivr-scripts", "prompts"));
        const string yaml = """
            start: menu
            nodes:
              menu:
                kind: menu
                prompt: main-menu
                options: { "9": again, "1": done }
                on_failure: done
              again:
                kind: set
                vars: { n: vars.n + 1 }
                next: menu
              done:
                kind: queue
                queue: general
            """;
        return IvrScriptLoader.Load("loop.yaml", yaml, prompts, DateTimeOffset.UtcNow).Script!;
    }
}

/// <summary>Plays instantly, answers each menu/collect with the next entry, hangs up when out of entries.</summary>
internal sealed class InstantCaller(string[] entries) : IvrObserver, IIvrMedia, IIvrQueueInfo
{
    private int _next;
    private bool _pending;

    public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new IvrRecording("bench.wav", TimeSpan.Zero));

    public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new IvrQueueStatus(TimeSpan.FromSeconds(30), 2, 3));

    public override void InputExpected(IvrSession session, string node) => _pending = true;

    public override void Idle(IvrSession session)
    {
        if (_pending && _next < entries.Length)
        {
            _pending = false;
            foreach (var digit in entries[_next++])
            {
                session.PostDigit(digit);
            }

            return;
        }

        session.Hangup();
    }
}

/// <summary>Plays instantly and then waits, like a caller listening to a menu: for memory-per-call figures.</summary>
internal sealed class WaitingCaller : IIvrMedia, IIvrQueueInfo
{
    public static readonly WaitingCaller Instance = new();

    public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new IvrRecording("bench.wav", TimeSpan.Zero));

    public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new IvrQueueStatus(TimeSpan.FromSeconds(30), 2, 3));
}
