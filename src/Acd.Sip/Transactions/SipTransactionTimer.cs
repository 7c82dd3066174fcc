namespace Acd.Sip.Transactions;

/// <summary>
/// One restartable one-shot timer on a TimeProvider, created lazily and disposed on <see cref="Dispose"/>.
/// Each fire carries a generation so a fire racing a Change/Stop is ignored by the owner.
/// </summary>
internal sealed class SipTransactionTimer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<int> _onFire;
    private ITimer? _timer;
    private int _generation;

    public SipTransactionTimer(TimeProvider time, Action<int> onFire)
    {
        _time = time;
        _onFire = onFire;
    }

    /// <summary>The generation of the last Start; a fire with another generation is stale.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Whether the timer is armed.</summary>
    public bool IsRunning { get; private set; }

    public void Start(TimeSpan due)
    {
        var generation = Interlocked.Increment(ref _generation);
        IsRunning = true;
        if (_timer is null)
        {
            _timer = _time.CreateTimer(static s => ((SipTransactionTimer)s!).Fire(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }

        _ = generation;
    }

    public void Stop()
    {
        Interlocked.Increment(ref _generation);
        IsRunning = false;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        Interlocked.Increment(ref _generation);
        IsRunning = false;
        _timer?.Dispose();
        _timer = null;
    }

    private void Fire()
    {
        var generation = Volatile.Read(ref _generation);
        _onFire(generation);
    }
}
