using System.Collections.Concurrent;

namespace Acd.Calls;

/// <summary>A call actor a service runs: one loop per call, finished once.</summary>
internal interface IRunningCall
{
    /// <summary>The call's loop, from accept to its last record.</summary>
    Task RunAsync();

    /// <summary>Set once the call has finished (the service lists calls until then).</summary>
    bool IsFinished { get; set; }
}

/// <summary>
/// The actors one call service runs: each started on the thread pool and listed until it finishes (a call that finishes
/// before it is listed, e.g. a quick 407 round trip, is not left behind), all stopped together at shutdown with a bound.
/// </summary>
internal sealed class RunningCalls<T>
    where T : class, IRunningCall
{
    private readonly ConcurrentDictionary<T, Task> _running = new();

    public int Count => _running.Count;

    public void Start(T call)
    {
        _running[call] = Task.Run(call.RunAsync);
        if (call.IsFinished)
        {
            _running.TryRemove(call, out _);
        }
    }

    public void Finished(T call)
    {
        call.IsFinished = true;
        _running.TryRemove(call, out _);
    }

    /// <summary>Asks every call to stop, then waits for them up to <paramref name="bound"/>.</summary>
    public async Task StopAllAsync(Action<T> stop, TimeSpan bound, TimeProvider time)
    {
        foreach (var call in _running.Keys)
        {
            stop(call);
        }

        await Task.WhenAll(_running.Values).WaitAsync(bound, time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
