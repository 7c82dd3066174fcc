using System.Diagnostics.Tracing;
using System.Globalization;

namespace Acd.Benchmarks.Ivr;

/// <summary>
/// Which types a load allocates, in-process: the runtime's GCAllocationTick event fires about every 100 KB
/// allocated and names the type of the object that crossed the threshold, so over a long window the counts are a
/// sample of allocated bytes by type (no profiler needed). Used by <c>ivr-media-load --alloc-types</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;
    private readonly Dictionary<string, (long Samples, long Bytes)> _types = new(StringComparer.Ordinal);
    private volatile bool _recording;

    /// <summary>Starts counting (events before this are ignored).</summary>
    public void Start()
    {
        lock (_types)
        {
            _types.Clear();
        }

        _recording = true;
    }

    /// <summary>Stops counting and prints the <paramref name="top"/> types by sampled bytes.</summary>
    public void StopAndPrint(string title, int top = 25)
    {
        _recording = false;
        List<KeyValuePair<string, (long Samples, long Bytes)>> rows;
        lock (_types)
        {
            rows = [.. _types.OrderByDescending(kv => kv.Value.Samples)];
        }

        var total = Math.Max(1, rows.Sum(r => r.Value.Samples));
        Console.WriteLine();
        Console.WriteLine($"Allocation samples ({title}): {total} ticks of ~100 KB, share by type of the object that crossed each tick");
        foreach (var (type, (samples, _)) in rows.Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {samples * 100.0 / total,5:F1} %  {samples,5}  {type}"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick is verbose
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationTickEventId || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
        {
            return;
        }

        var type = names.IndexOf("TypeName") is var t and >= 0 ? payload[t] as string ?? "?" : "?";
        var bytes = names.IndexOf("AllocationAmount64") is var b and >= 0 && payload[b] is ulong amount ? (long)amount : 0;
        lock (_types)
        {
            _types[type] = _types.TryGetValue(type, out var old) ? (old.Samples + 1, old.Bytes + bytes) : (1, bytes);
        }
    }
}
