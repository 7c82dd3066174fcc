using System.Diagnostics.Metrics;

namespace Acd.Calls.Records;

/// <summary>
/// Instruments of the call record sinks (Meter <c>Acd.Calls</c>), each tagged <c>sink</c> (<c>file</c>, <c>redis</c>).
/// One instance per host, shared by every sink.
/// </summary>
public sealed class CallRecordMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Acd.Calls";

    private readonly Meter _meter;
    private readonly Counter<long> _written;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _errors;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private one).</summary>
    public CallRecordMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _written = _meter.CreateCounter<long>("acd_call_records_written_total", description: "Call records written (flushed to the file, added to the stream), by sink.");
        _dropped = _meter.CreateCounter<long>("acd_call_records_dropped_total", description: "Call records lost: queue full, retry buffer full, unserializable or still unwritten at shutdown, by sink.");
        _errors = _meter.CreateCounter<long>("acd_call_records_errors_total", description: "Failed write attempts (each retried with the next batch) and unserializable records, by sink.");
    }

    /// <summary>Starts a sink's three series at 0, so a dashboard's <c>increase()</c> sees its first loss or failure.</summary>
    public void SinkStarted(string sink)
    {
        var tag = new KeyValuePair<string, object?>("sink", sink);
        _written.Add(0, tag);
        _dropped.Add(0, tag);
        _errors.Add(0, tag);
    }

    /// <summary>Counts records a sink has written.</summary>
    public void RecordsWritten(string sink, long count) => Add(_written, sink, count);

    /// <summary>Counts records a sink has lost.</summary>
    public void RecordsDropped(string sink, long count) => Add(_dropped, sink, count);

    /// <summary>Counts one failed write attempt of a sink.</summary>
    public void WriteFailed(string sink) => Add(_errors, sink, 1);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static void Add(Counter<long> counter, string sink, long count)
    {
        if (count > 0)
        {
            counter.Add(count, new KeyValuePair<string, object?>("sink", sink));
        }
    }
}
