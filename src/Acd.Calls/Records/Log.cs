using Microsoft.Extensions.Logging;

namespace Acd.Calls.Records;

/// <summary>Logging of the call record sinks (event ids 400-419).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning,
        Message = "Call record sink {Sink} is full ({Capacity} queued) or closed: record {CallId} dropped ({Dropped} dropped so far)")]
    public static partial void RecordDropped(ILogger logger, string sink, int capacity, string callId, long dropped);

    [LoggerMessage(EventId = 401, Level = LogLevel.Error,
        Message = "Call record sink {Sink} could not write {Count} records; they are kept and retried with the next batch")]
    public static partial void WriteFailed(ILogger logger, Exception error, string sink, int count);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug,
        Message = "Call record sink {Sink} still failing (attempt {Attempt}, {Count} records kept): {Error}")]
    public static partial void WriteStillFailing(ILogger logger, string sink, int attempt, int count, string error);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information,
        Message = "Call record sink {Sink} writing again after {Attempts} failed attempts")]
    public static partial void WriteRecovered(ILogger logger, string sink, int attempts);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error,
        Message = "Call record {CallId} cannot be serialized and is dropped by sink {Sink}")]
    public static partial void SerializeFailed(ILogger logger, Exception error, string callId, string sink);

    [LoggerMessage(EventId = 405, Level = LogLevel.Warning,
        Message = "Call record sink {Sink}: retry buffer full, {Count} oldest unwritten records dropped")]
    public static partial void RetryOverflow(ILogger logger, string sink, int count);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error,
        Message = "Call record sink {Sink} closed with {Count} records it could not write")]
    public static partial void RecordsLost(ILogger logger, string sink, int count);

    [LoggerMessage(EventId = 407, Level = LogLevel.Debug, Message = "Call records: writing {Path}")]
    public static partial void FileOpened(ILogger logger, string path);

    [LoggerMessage(EventId = 408, Level = LogLevel.Error, Message = "Call record sink {Sink} writer failed unexpectedly")]
    public static partial void WriterCrashed(ILogger logger, Exception error, string sink);
}
