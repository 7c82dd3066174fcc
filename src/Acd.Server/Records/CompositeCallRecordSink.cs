using Acd.Calls.Records;

namespace Acd.Server.Records;

/// <summary>
/// Hands each record to several sinks (the file, and the Redis stream when the node runs on Redis). It does not own
/// them: the container that created the sinks drains and disposes them. A sink that breaks its no-throw contract is
/// logged and the others still get the record.
/// </summary>
public sealed class CompositeCallRecordSink : ICallRecordSink
{
    private readonly ICallRecordSink[] _sinks;
    private readonly ILogger _logger;

    public CompositeCallRecordSink(IEnumerable<ICallRecordSink> sinks, ILogger<CompositeCallRecordSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _sinks = [.. sinks];
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>The sinks, in order.</summary>
    public IReadOnlyList<ICallRecordSink> Sinks => _sinks;

    /// <inheritdoc />
    public void Write(CallRecord record)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Write(record);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                RecordsLog.SinkThrew(_logger, ex, sink.GetType().Name, IdOf(record));
            }
        }
    }

    private static string IdOf(CallRecord? record) => record?.CallId ?? "(null)";
}

internal static partial class RecordsLog
{
    [LoggerMessage(EventId = 420, Level = LogLevel.Error, Message = "Call record sink {Sink} threw on record {CallId}")]
    public static partial void SinkThrew(ILogger logger, Exception error, string sink, string callId);
}
