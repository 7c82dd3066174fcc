using Acd.Media;
using Acd.Media.Clock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Transport.Clock;

/// <summary>
/// The media clock of the process: one timer wheel (<see cref="MediaScheduler"/>) per pacing thread, by default one
/// thread per core; each thread runs its wheel every millisecond, so every stream's 20 ms frame leaves on time.
/// These are the only threads the media layer owns: sending a datagram is a system call of a few microseconds,
/// and at 2,000 legs (100,000 packets/s) one thread would be the bottleneck of a multi-core box. New streams go
/// to the least loaded wheel. Sleeping is the OS's 1 ms granularity, which bounds the normal send-time error to
/// about a millisecond. On Linux each pacing thread asks for nice <see cref="Niceness"/> when it starts
/// (<see cref="Thread.Priority"/> has no effect there), so a busy neighbour on the cores does not delay its wake-ups.
/// </summary>
public sealed partial class PacingClock : IMediaClock, IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Thread[] _threads;
    private readonly MediaScheduler[] _wheels;
    private volatile bool _stopping;
    private int _started;
    private int _threadNiceness = int.MinValue;
    private readonly Lock _stallGate = new();
    private PacingStalls _stalls;

    /// <summary>
    /// Creates the clock (not started) with <paramref name="threads"/> wheels (0: one per core), whose threads ask
    /// Linux for nice <paramref name="niceness"/> (-20..19; 0 leaves them as they are).
    /// </summary>
    public PacingClock(TimeProvider time, MediaMetrics? metrics = null, ILogger<PacingClock>? logger = null, int threads = 0, int niceness = DefaultNiceness)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ArgumentOutOfRangeException.ThrowIfLessThan(niceness, -20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(niceness, 19);
        Niceness = niceness;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var count = threads == 0 ? Environment.ProcessorCount : threads;
        _wheels = new MediaScheduler[count];
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var wheel = new MediaScheduler(time.TimestampFrequency, metrics: metrics);
            wheel.StreamFaulted += (handle, ex) => Log.StreamFaulted(_logger, handle.Stream.GetType().Name, ex);
            _wheels[i] = wheel;
            _threads[i] = new Thread(() => Run(wheel)) { IsBackground = true, Name = $"acd-media-clock-{i}", Priority = ThreadPriority.Highest };
        }
    }

    /// <summary>
    /// The nice value the pacing threads ask for by default: well ahead of ordinary (nice 0) work, so a build or a
    /// batch job on the same cores does not delay frames (measured: benchmarks/RESULTS.md, issue 6).
    /// </summary>
    public const int DefaultNiceness = -10;

    /// <summary>The nice value the pacing threads ask for on Linux.</summary>
    public int Niceness { get; }

    /// <summary>
    /// The nice value the first pacing thread runs at (Linux, once started; null before or elsewhere). Equal to
    /// <see cref="Niceness"/> when the process may raise priorities, else what it had (the refusal is logged).
    /// </summary>
    public int? ThreadNiceness => Volatile.Read(ref _threadNiceness) is var n and not int.MinValue ? n : null;

    /// <summary>
    /// Times a pacing thread's loop came round a whole period (20 ms) or more after its previous pass, since start:
    /// every stream on that wheel sent a frame that late. <see cref="PacingStalls.DuringGc"/> counts those during which
    /// a garbage collection ran (all managed threads were paused); the rest is the OS running something else.
    /// </summary>
    public PacingStalls Stalls
    {
        get
        {
            lock (_stallGate)
            {
                return _stalls;
            }
        }
    }

    /// <summary>The wheels, one per pacing thread (for statistics: lateness, load).</summary>
    public IReadOnlyList<MediaScheduler> Wheels => _wheels;

    /// <summary>Streams registered over all wheels.</summary>
    public int Load => _wheels.Sum(w => w.Load);

    /// <summary>Registers a stream on the least loaded wheel.</summary>
    public PacedStreamHandle Add(IPacedStream stream)
    {
        var best = _wheels[0];
        foreach (var wheel in _wheels)
        {
            if (wheel.Load < best.Load)
            {
                best = wheel;
            }
        }

        return best.Add(stream);
    }

    /// <summary>Starts the threads (once).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            foreach (var thread in _threads)
            {
                thread.Start();
            }

            Log.Started(_logger, _threads.Length, _wheels[0].Period * 1000.0 / _time.TimestampFrequency);
        }
    }

    /// <summary>Stops the threads and waits for them to leave their loops.</summary>
    public void Dispose()
    {
        _stopping = true;
        if (Volatile.Read(ref _started) == 1)
        {
            foreach (var thread in _threads)
            {
                if (thread != Thread.CurrentThread)
                {
                    thread.Join();
                }
            }
        }
    }

    private void Run(MediaScheduler wheel)
    {
        var (niceness, error) = LinuxThreadPriority.TrySet(Niceness == 0 ? null : Niceness);
        var last = _time.GetTimestamp();
        var collections = GC.CollectionCount(0);
        if (niceness is { } n)
        {
            Interlocked.CompareExchange(ref _threadNiceness, n, int.MinValue); // published once the loop keeps time
            if (error != 0)
            {
                Log.NicenessRefused(_logger, Thread.CurrentThread.Name, Niceness, error, n);
            }
        }
        while (!_stopping)
        {
            var now = _time.GetTimestamp();
            var gcs = GC.CollectionCount(0);
            if (now - last >= wheel.Period)
            {
                NoteStall(now - last, gcs != collections);
            }

            last = now;
            collections = gcs;
            wheel.RunDue(now);
            if (wheel.NextDue > _time.GetTimestamp())
            {
                Thread.Sleep(1);
            }
        }
    }

    private void NoteStall(long ticks, bool duringGc)
    {
        lock (_stallGate)
        {
            _stalls = new PacingStalls(
                _stalls.Count + 1,
                _stalls.DuringGc + (duringGc ? 1 : 0),
                TimeSpan.FromSeconds(Math.Max(_stalls.Longest.TotalSeconds, (double)ticks / _time.TimestampFrequency)));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Media clock started: {Threads} pacing threads, period {PeriodMs} ms")]
        public static partial void Started(ILogger logger, int threads, double periodMs);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Paced stream {StreamType} threw and was removed")]
        public static partial void StreamFaulted(ILogger logger, string streamType, Exception exception);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Media clock thread {Thread} could not take nice {Niceness} (errno {Errno}; needs CAP_SYS_NICE or LimitNICE): it runs at nice {Actual}, and other work on the cores can delay its frames")]
        public static partial void NicenessRefused(ILogger logger, string? thread, int niceness, int errno, int actual);
    }
}

/// <summary>Pacing loop stalls of a <see cref="PacingClock"/> (a period or more between two passes of a thread's loop).</summary>
/// <param name="Count">Stalls, over all pacing threads.</param>
/// <param name="DuringGc">Stalls during which a garbage collection ran.</param>
/// <param name="Longest">The longest gap between two passes.</param>
public readonly record struct PacingStalls(long Count, long DuringGc, TimeSpan Longest);
