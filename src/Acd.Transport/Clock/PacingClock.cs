using Acd.Media;
using Acd.Media.Clock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Transport.Clock;

/// <summary>
/// The one media clock of the process: a dedicated thread (the only one the media layer owns) that runs the
/// <see cref="MediaScheduler"/> timer wheel every millisecond, so every stream's 20 ms frame leaves on time.
/// Sleeping is the OS's 1 ms granularity, which bounds the normal send-time error to about a millisecond.
/// </summary>
public sealed partial class PacingClock : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _started;

    /// <summary>Creates the clock (not started).</summary>
    public PacingClock(TimeProvider time, MediaMetrics? metrics = null, ILogger<PacingClock>? logger = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Scheduler = new MediaScheduler(time.TimestampFrequency, metrics: metrics);
        Scheduler.StreamFaulted += (handle, ex) => Log.StreamFaulted(_logger, handle.Stream.GetType().Name, ex);
        _thread = new Thread(Run) { IsBackground = true, Name = "acd-media-clock", Priority = ThreadPriority.Highest };
    }

    /// <summary>The timer wheel: add streams here.</summary>
    public MediaScheduler Scheduler { get; }

    /// <summary>Starts the thread (once).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _thread.Start();
            Log.Started(_logger, Scheduler.Period * 1000.0 / _time.TimestampFrequency);
        }
    }

    /// <summary>Stops the thread and waits for it to leave its loop.</summary>
    public void Dispose()
    {
        _stopping = true;
        if (Volatile.Read(ref _started) == 1 && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            Scheduler.RunDue(_time.GetTimestamp());
            var wait = Scheduler.NextDue - _time.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(1);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Media clock started, period {PeriodMs} ms")]
        public static partial void Started(ILogger logger, double periodMs);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Paced stream {StreamType} threw and was removed")]
        public static partial void StreamFaulted(ILogger logger, string streamType, Exception exception);
    }
}
