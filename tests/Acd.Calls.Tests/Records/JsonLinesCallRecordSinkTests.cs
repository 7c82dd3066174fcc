using Acd.Calls.Records;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;
using static Acd.Calls.Tests.Records.CallRecordSamples;

namespace Acd.Calls.Tests.Records;

public sealed class JsonLinesCallRecordSinkTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Day2 = new(2026, 11, 24, 0, 0, 10, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("acd-records-").FullName;
    private readonly CallRecordMetrics _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Write_ThreeRecords_OneParsableLineEachInTheDaysFile()
    {
        var sink = Sink();
        string[] ids = ["c1", "c2", "c3"];

        foreach (var id in ids)
        {
            sink.Write(Answered(id, Day1));
        }

        await sink.DisposeAsync();

        Assert.Equal(["calls-2026-11-23.jsonl"], Files());
        var lines = Lines("calls-2026-11-23.jsonl");
        Assert.Equal(ids, lines.Select(l => CallRecordJson.Deserialize(l)!.CallId));
        Assert.All(lines, l => Assert.Contains("\"outcome\":\"answered\"", l, StringComparison.Ordinal));
        Assert.Equal(CallRecordJson.Serialize(Answered("c1", Day1)), lines[0]);
        Assert.Equal(3, sink.Written);
    }

    [Fact]
    public async Task Write_RecordsEndingAcrossUtcMidnight_OneFilePerUtcDay()
    {
        var sink = Sink();
        var batch = NextBatch(sink);
        sink.Write(Minimal("day1-a", Day1));
        await batch;
        Assert.EndsWith("calls-2026-11-23.jsonl", sink.CurrentPath, StringComparison.Ordinal);

        batch = NextBatch(sink);
        sink.Write(Minimal("day2-a", Day2));
        await batch;

        Assert.EndsWith("calls-2026-11-24.jsonl", sink.CurrentPath, StringComparison.Ordinal);
        Assert.Single(Lines("calls-2026-11-23.jsonl"));
        Assert.Single(Lines("calls-2026-11-24.jsonl"));

        // A late record of the first day (ended 01:00 at +02:00 = 23:00 UTC) still goes to that day's file.
        sink.Write(Minimal("day1-late", new DateTimeOffset(2026, 11, 24, 1, 0, 0, TimeSpan.FromHours(2))));
        sink.Write(Minimal("day2-b", Day2.AddHours(1)));
        await sink.DisposeAsync();

        Assert.Equal(["calls-2026-11-23.jsonl", "calls-2026-11-24.jsonl"], Files());
        Assert.Equal(["day1-a", "day1-late"], Lines("calls-2026-11-23.jsonl").Select(l => CallRecordJson.Deserialize(l)!.CallId));
        Assert.Equal(["day2-a", "day2-b"], Lines("calls-2026-11-24.jsonl").Select(l => CallRecordJson.Deserialize(l)!.CallId));
        Assert.Null(sink.CurrentPath);
    }

    [Fact]
    public async Task DisposeAsync_ManyQueued_DrainsEveryRecordThenDropsLaterWrites()
    {
        var sink = Sink();
        for (var i = 0; i < 2500; i++)
        {
            sink.Write(Minimal($"c{i}", Day1));
        }

        await sink.DisposeAsync();
        sink.Write(Minimal("late", Day1));

        var lines = Lines("calls-2026-11-23.jsonl");
        Assert.Equal(2500, lines.Length);
        Assert.Equal("c2499", CallRecordJson.Deserialize(lines[^1])!.CallId);
        Assert.Equal(2500, sink.Written);
        Assert.Equal(1, sink.Dropped);
    }

    [Fact]
    public async Task Write_DirectoryMissing_CreatedAndAppendsToExistingFile()
    {
        var options = new CallRecordFileOptions { Directory = Path.Combine(_dir, "a", "b") };
        await using (var first = new JsonLinesCallRecordSink(options, _metrics))
        {
            first.Write(Minimal("c1", Day1));
        }

        var second = new JsonLinesCallRecordSink(options, _metrics);
        second.Write(Minimal("c2", Day1));
        await second.DisposeAsync();

        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir, "a", "b", "calls-2026-11-23.jsonl")).Length);
    }

    [Fact]
    public async Task Write_FileEndsInAHalfWrittenLine_NextRecordStartsANewLine()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "calls-2026-11-23.jsonl"), "{\"callId\":\"cut");
        var sink = Sink();

        sink.Write(Minimal("c1", Day1));
        await sink.DisposeAsync();

        var lines = Lines("calls-2026-11-23.jsonl");
        Assert.Equal(2, lines.Length);
        Assert.Equal("c1", CallRecordJson.Deserialize(lines[1])!.CallId);
    }

    [Fact]
    public async Task Write_DirectoryUnwritable_CountedNotThrownAndRetriedWithTheNextBatch()
    {
        // A file where a folder should be: CreateDirectory fails (even for root, who ignores permissions).
        var blocker = Path.Combine(_dir, "blocker");
        await File.WriteAllTextAsync(blocker, "not a folder");
        using var errors = Collector("acd_call_records_errors_total");
        using var written = Collector("acd_call_records_written_total");
        var sink = new JsonLinesCallRecordSink(new CallRecordFileOptions { Directory = Path.Combine(blocker, "records") }, _metrics);

        var batch = NextBatch(sink);
        sink.Write(Minimal("c1", Day1));
        Assert.Equal(1, await batch); // one record kept for retry

        Assert.Equal(1, sink.Errors);
        Assert.Equal(0, sink.Written);
        Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal("file", errors.LastMeasurement!.Tags["sink"]);

        File.Delete(blocker);
        batch = NextBatch(sink);
        sink.Write(Minimal("c2", Day1));
        Assert.Equal(0, await batch);
        await sink.DisposeAsync();

        Assert.Equal(["c1", "c2"], File.ReadAllLines(Path.Combine(blocker, "records", "calls-2026-11-23.jsonl")).Select(l => CallRecordJson.Deserialize(l)!.CallId));
        Assert.Equal(1, sink.Errors);
        Assert.Equal(2, written.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public async Task DisposeAsync_DirectoryStillUnwritable_RecordsCountedAsDropped()
    {
        var blocker = Path.Combine(_dir, "blocker");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var sink = new JsonLinesCallRecordSink(new CallRecordFileOptions { Directory = Path.Combine(blocker, "records") }, _metrics);

        sink.Write(Minimal("c1", Day1));
        sink.Write(Minimal("c2", Day1));
        await sink.DisposeAsync();

        Assert.Equal(2, sink.Dropped);
        Assert.Equal(0, sink.Written);
        Assert.True(sink.Errors >= 1);
    }

    [Fact]
    public async Task Constructor_NewSink_ItsSeriesStartAtZero()
    {
        using var written = Collector("acd_call_records_written_total");
        using var dropped = Collector("acd_call_records_dropped_total");
        using var errors = Collector("acd_call_records_errors_total");

        var sink = Sink();

        foreach (var collector in new[] { written, dropped, errors })
        {
            var measurement = Assert.Single(collector.GetMeasurementSnapshot());
            Assert.Equal(0, measurement.Value);
            Assert.Equal("file", measurement.Tags["sink"]);
        }

        await sink.DisposeAsync();
    }

    [Fact]
    public async Task Write_QueueFull_DroppedAndCountedWithoutBlocking()
    {
        using var dropped = Collector("acd_call_records_dropped_total");
        var sink = new JsonLinesCallRecordSink(new CallRecordFileOptions { Directory = _dir, Capacity = 1 }, _metrics);
        var writerBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.BeforeBatch = () =>
        {
            writerBusy.TrySetResult();
            return release.Task;
        };

        sink.Write(Minimal("c1", Day1));
        await writerBusy.Task.WaitAsync(Timeout); // the writer holds c1
        sink.Write(Minimal("c2", Day1));         // fills the queue of one
        sink.Write(Minimal("c3", Day1));         // dropped
        sink.Write(Minimal("c4", Day1));         // dropped

        Assert.Equal(2, sink.Dropped);
        Assert.Equal(2, dropped.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal("file", dropped.LastMeasurement!.Tags["sink"]);
        release.SetResult();
        await sink.DisposeAsync();
        Assert.Equal(["c1", "c2"], Lines("calls-2026-11-23.jsonl").Select(l => CallRecordJson.Deserialize(l)!.CallId));
    }

    [Fact]
    public async Task Write_Null_CountedAsDroppedNotThrown()
    {
        var sink = Sink();

        sink.Write(null!);
        await sink.DisposeAsync();

        Assert.Equal(1, sink.Dropped);
        Assert.Empty(Files());
    }

    [Fact]
    public void Validate_EveryBadOption_EveryErrorListed()
    {
        var errors = new CallRecordFileOptions { Directory = " ", Capacity = 0 }.Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("CallRecordFileOptions.Directory", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("CallRecordFileOptions.Capacity", StringComparison.Ordinal));
        Assert.Empty(new CallRecordFileOptions().Validate());
        Assert.Throws<ArgumentException>(() => new JsonLinesCallRecordSink(new CallRecordFileOptions { Capacity = 2_000_000 }));
    }

    [Fact]
    public void FileName_NonUtcOffset_UtcDate() =>
        Assert.Equal("calls-2026-11-23.jsonl", JsonLinesCallRecordSink.FileName(new DateTimeOffset(2026, 11, 24, 1, 59, 59, TimeSpan.FromHours(2))));

    private static Task<int> NextBatch(QueuedCallRecordSink sink)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.AfterBatch = n => done.TrySetResult(n);
        return done.Task.WaitAsync(Timeout);
    }

    private static MetricCollector<long> Collector(string instrument) => new(null, CallRecordMetrics.MeterName, instrument);

    private JsonLinesCallRecordSink Sink() => new(new CallRecordFileOptions { Directory = _dir }, _metrics);

    private string[] Files() => Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private string[] Lines(string file)
    {
        using var stream = new FileStream(Path.Combine(_dir, file), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
