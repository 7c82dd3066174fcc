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
/// about a millisecond.
/// </summary>
public sealed partial class PacingClock : IMediaClock, IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Thread[] _threads;
    private readonly MediaScheduler[] _wheels;
    private volatile bool _stopping;
    private int _started;

    /// <summary>Creates the clock (not started) with <paramref name="threads"/> wheels (0: one per core).</summary>
    public PacingClock(TimeProvider time, MediaMetrics? metrics = null, ILogger<PacingClock>? logger = null, int threads = 0)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
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
        while (!_stopping)
        {
            wheel.RunDue(_time.GetTimestamp());
            if (wheel.NextDue > _time.GetTimestamp())
            {
                Thread.Sleep(1);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Media clock started: {Threads} pacing threads, period {PeriodMs} ms")]
        public static partial void Started(ILogger logger, int threads, double periodMs);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Paced stream {StreamType} threw and was removed")]
        public static partial void StreamFaulted(ILogger logger, string streamType, Exception exception);
    }
}
