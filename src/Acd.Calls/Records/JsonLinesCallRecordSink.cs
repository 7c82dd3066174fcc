using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Acd.Calls.Records;

/// <summary>
/// Writes call records as JSON lines (<see cref="CallRecordJson"/>), one object per line, to
/// <c>&lt;directory&gt;/calls-YYYY-MM-DD.jsonl</c> where the date is the UTC date of the record's
/// <see cref="CallRecord.Ended"/>. A record of another day closes the open file and opens (appends to) that day's
/// file, so each file holds exactly the calls that ended on its UTC day, also when a late record of yesterday comes
/// in after midnight. The file is flushed after each batch. A failed write (folder missing and not creatable,
/// read-only, disk full) is logged and counted, and the records are retried with the next batch; a line left half
/// written is ended before the next one. Not blocking and not throwing: see <see cref="QueuedCallRecordSink"/>.
/// One node per folder: two processes appending to one file would interleave their lines.
/// </summary>
public sealed class JsonLinesCallRecordSink : QueuedCallRecordSink
{
    /// <summary>The <c>sink</c> tag of this sink's metrics.</summary>
    public const string Name = "file";

    private const int BufferSize = 64 * 1024;

    private ArrayBufferWriter<byte> _buffer = new(BufferSize);
    private FileStream? _file;
    private DateOnly _fileDate;

    /// <summary>Starts the sink; the folder is created at the first write.</summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> is invalid (every error listed).</exception>
    public JsonLinesCallRecordSink(CallRecordFileOptions options, CallRecordMetrics? metrics = null, ILogger<JsonLinesCallRecordSink>? logger = null)
        : base(Name, Validated(options).Capacity, metrics, logger)
    {
        Directory = Path.GetFullPath(options.Directory);
    }

    /// <summary>The folder of the files (full path).</summary>
    public string Directory { get; }

    /// <summary>The file open now, if any (read by tests between batches).</summary>
    internal string? CurrentPath => _file?.Name;

    /// <summary>The file name for records that ended at <paramref name="ended"/>: <c>calls-YYYY-MM-DD.jsonl</c> (UTC date).</summary>
    public static string FileName(DateTimeOffset ended) => FileName(DateOnly.FromDateTime(ended.UtcDateTime));

    /// <inheritdoc />
    protected override async ValueTask<Exception?> WriteBatchAsync(IReadOnlyList<SerializedCallRecord> batch, IList<SerializedCallRecord> unwritten)
    {
        var done = 0;
        try
        {
            while (done < batch.Count)
            {
                // One run of records of the same day: one write and one flush.
                var date = DateOf(batch[done]);
                var end = done;
                _buffer.ResetWrittenCount();
                for (; end < batch.Count && DateOf(batch[end]) == date; end++)
                {
                    var json = batch[end].Json;
                    var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(json.Length) + 1);
                    var length = Encoding.UTF8.GetBytes(json, span);
                    span[length] = (byte)'\n';
                    _buffer.Advance(length + 1);
                }

                var file = await OpenAsync(date).ConfigureAwait(false);
                await file.WriteAsync(_buffer.WrittenMemory).ConfigureAwait(false);
                await file.FlushAsync().ConfigureAwait(false);
                done = end;
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or System.Security.SecurityException)
        {
            for (var i = done; i < batch.Count; i++)
            {
                unwritten.Add(batch[i]);
            }

            await CloseFileAsync().ConfigureAwait(false);
            return ex;
        }
        finally
        {
            if (_buffer.Capacity > 16 * BufferSize)
            {
                // Keep no large buffer once an exceptional batch is written.
                _buffer = new ArrayBufferWriter<byte>(BufferSize);
            }
        }
    }

    /// <inheritdoc />
    protected override ValueTask CloseAsync() => CloseFileAsync();

    private static DateOnly DateOf(in SerializedCallRecord record) => DateOnly.FromDateTime(record.Record.Ended.UtcDateTime);

    private static string FileName(DateOnly date) => string.Create(CultureInfo.InvariantCulture, $"calls-{date:yyyy-MM-dd}.jsonl");

    private static CallRecordFileOptions Validated(CallRecordFileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? options : throw new ArgumentException(string.Join(" ", errors), nameof(options));
    }

    private async ValueTask<FileStream> OpenAsync(DateOnly date)
    {
        if (_file is not null && _fileDate == date)
        {
            return _file;
        }

        await CloseFileAsync().ConfigureAwait(false);
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, FileName(date));
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        try
        {
            if (file.Length > 0)
            {
                // A line cut short by an earlier failure (disk full, crash) is ended so the next record starts a line.
                var last = new byte[1];
                file.Seek(-1, SeekOrigin.End);
                if (await file.ReadAsync(last).ConfigureAwait(false) == 1 && last[0] != (byte)'\n')
                {
                    await file.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
                }
            }

            file.Seek(0, SeekOrigin.End);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _file = file;
        _fileDate = date;
        Log.FileOpened(Logger, path);
        return file;
    }

    private async ValueTask CloseFileAsync()
    {
        if (_file is not { } file)
        {
            return;
        }

        _file = null;
        try
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Everything was flushed after each batch, or the failed records are kept for retry.
        }
    }
}
