using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Calls.Records;

/// <summary>A call record and its JSON (<see cref="CallRecordJson.Serialize"/>), made once per record.</summary>
public readonly record struct SerializedCallRecord(CallRecord Record, string Json);

/// <summary>
/// The queue every call record sink shares: <see cref="Write"/> only posts to a bounded channel (never blocks, never
/// throws; a full or closed queue drops the record, counts it and logs a warning once per episode), and one writer
/// task serializes what is queued and hands it to <see cref="WriteBatchAsync"/> in batches. Records a batch could not
/// write are kept, in order, and retried first with the next batch (up to the queue's capacity; older ones are
/// dropped beyond it). Delivery is at least once: a write that failed half way may repeat a record (the call id
/// tells duplicates apart). <see cref="DisposeAsync"/> drains the queue, retries once more, then closes.
/// </summary>
public abstract class QueuedCallRecordSink : ICallRecordSink, IAsyncDisposable
{
    /// <summary>Most new records taken into one batch.</summary>
    private const int MaxBatch = 1000;

    private readonly Channel<CallRecord> _channel;
    private readonly CallRecordMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly Task _writerTask;
    private List<SerializedCallRecord> _pending = [];
    private List<SerializedCallRecord> _unwritten = [];
    private int _dropping;
    private int _failedAttempts;
    private int _disposed;
    private long _written;
    private long _dropped;
    private long _errors;

    /// <summary>Creates the queue and starts the writer task.</summary>
    /// <param name="sinkName">The <c>sink</c> tag of the metrics and the name in logs (<c>file</c>, <c>redis</c>).</param>
    /// <param name="capacity">Records that may wait for the writer before new ones are dropped.</param>
    /// <param name="metrics">The host's instruments; null creates private ones.</param>
    /// <param name="logger">Where failures are logged.</param>
    protected QueuedCallRecordSink(string sinkName, int capacity, CallRecordMetrics? metrics, ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sinkName);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        SinkName = sinkName;
        Capacity = capacity;
        Logger = logger ?? NullLogger.Instance;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new CallRecordMetrics();
        _metrics.SinkStarted(sinkName);
        _channel = Channel.CreateBounded<CallRecord>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the call path drops, never waits
        });

        // The loop only calls WriteBatchAsync once a record is queued, which needs the constructed object.
        _writerTask = Task.Run(WriteLoopAsync);
    }

    /// <summary>The <c>sink</c> tag of this sink's metrics.</summary>
    public string SinkName { get; }

    /// <summary>Records that may wait for the writer.</summary>
    public int Capacity { get; }

    /// <summary>Records written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records lost so far (queue full or closed, retry buffer full, unserializable, unwritten at shutdown).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Failed write attempts and unserializable records so far.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The logger given at construction (never null).</summary>
    protected ILogger Logger { get; }

    /// <summary>Test hook: awaited by the writer after it has taken a batch and before writing it.</summary>
    internal Func<Task>? BeforeBatch { get; set; }

    /// <summary>Test hook: called by the writer after each batch attempt with the number of records still unwritten.</summary>
    internal Action<int>? AfterBatch { get; set; }

    /// <summary>Queues <paramref name="record"/> for the writer; drops and counts it when the queue is full or closed.</summary>
    public void Write(CallRecord record)
    {
        if (record is not null && _channel.Writer.TryWrite(record))
        {
            return;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        _metrics.RecordsDropped(SinkName, 1);
        if (Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            Log.RecordDropped(Logger, SinkName, Capacity, record?.CallId ?? "(null)", dropped);
        }
    }

    /// <summary>Stops taking records, writes everything queued (one more try for records that failed) and closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _channel.Writer.TryComplete();
        }

        await _writerTask.ConfigureAwait(false);
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Writes <paramref name="batch"/> in order. Adds every record it could not write to <paramref name="unwritten"/>
    /// (in order; they are retried with the next batch) and returns the first error, or null when all were written.
    /// Called by one task at a time. Throwing counts the whole batch as unwritten.
    /// </summary>
    protected abstract ValueTask<Exception?> WriteBatchAsync(IReadOnlyList<SerializedCallRecord> batch, IList<SerializedCallRecord> unwritten);

    /// <summary>Releases what the writer holds (files); called once by the writer task after the last batch.</summary>
    protected virtual ValueTask CloseAsync() => ValueTask.CompletedTask;

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _channel.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var taken = 0;
                while (taken < MaxBatch && reader.TryRead(out var record))
                {
                    taken++;
                    Add(record);
                }

                TrimPending();
                if (BeforeBatch is { } hook)
                {
                    await hook().ConfigureAwait(false);
                }

                await WritePendingAsync().ConfigureAwait(false);
                Volatile.Write(ref _dropping, 0);
            }

            if (_pending.Count > 0)
            {
                await WritePendingAsync().ConfigureAwait(false);
            }

            if (_pending.Count > 0)
            {
                Log.RecordsLost(Logger, SinkName, _pending.Count);
                CountDropped(_pending.Count);
                _pending.Clear();
            }

            await CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only a bug gets here (the write errors are caught below); never leave DisposeAsync waiting on a fault.
            Log.WriterCrashed(Logger, ex, SinkName);
        }
    }

    private void Add(CallRecord record)
    {
        try
        {
            _pending.Add(new SerializedCallRecord(record, CallRecordJson.Serialize(record)));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            Log.SerializeFailed(Logger, ex, record.CallId, SinkName);
            CountError();
            CountDropped(1);
        }
    }

    private void TrimPending()
    {
        var excess = _pending.Count - Capacity;
        if (excess > 0)
        {
            _pending.RemoveRange(0, excess);
            Log.RetryOverflow(Logger, SinkName, excess);
            CountDropped(excess);
        }
    }

    private async Task WritePendingAsync()
    {
        _unwritten.Clear();
        Exception? error;
        try
        {
            error = await WriteBatchAsync(_pending, _unwritten).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
            _unwritten.Clear();
            _unwritten.AddRange(_pending);
        }

        var written = _pending.Count - _unwritten.Count;
        if (written > 0)
        {
            Interlocked.Add(ref _written, written);
            _metrics.RecordsWritten(SinkName, written);
        }

        (_pending, _unwritten) = (_unwritten, _pending);
        if (_pending.Count > 0 || error is not null)
        {
            CountError();
            error ??= new IOException($"{_pending.Count} records were not written");
            if (++_failedAttempts == 1)
            {
                Log.WriteFailed(Logger, error, SinkName, _pending.Count);
            }
            else
            {
                Log.WriteStillFailing(Logger, SinkName, _failedAttempts, _pending.Count, error.Message);
            }
        }
        else if (_failedAttempts > 0)
        {
            Log.WriteRecovered(Logger, SinkName, _failedAttempts);
            _failedAttempts = 0;
        }

        AfterBatch?.Invoke(_pending.Count);
    }

    private void CountError()
    {
        Interlocked.Increment(ref _errors);
        _metrics.WriteFailed(SinkName);
    }

    private void CountDropped(int count)
    {
        Interlocked.Add(ref _dropped, count);
        _metrics.RecordsDropped(SinkName, count);
    }
}
