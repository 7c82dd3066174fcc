using Acd.Calls.Records;
using Acd.Server.Configuration;
using Acd.Server.Records;
using Acd.Testing.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>The Redis stream call record sink against a real redis-server (one per test).</summary>
public sealed class RedisCallRecordSinkTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Ended = new(2026, 11, 23, 15, 4, 5, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("acd-redis-records-").FullName;
    private RedisServer _server = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Write_AnsweredCall_XaddFieldsAndTheFileSinksJson()
    {
        var record = Record("call-1") with { Queue = "billing", Agent = "1001", Outcome = CallOutcome.Answered, CallerName = "Zoë" };
        var redisSink = new RedisStreamCallRecordSink(_redis, new RedisCallRecordOptions());
        var fileSink = new JsonLinesCallRecordSink(new CallRecordFileOptions { Directory = _dir });

        redisSink.Write(record);
        fileSink.Write(record);
        await redisSink.DisposeAsync();
        await fileSink.DisposeAsync();

        var entries = await _redis.GetDatabase().StreamRangeAsync("{acd}:records");
        Assert.True(entries.Length == 1, $"{entries.Length} entries, errors {redisSink.Errors}: " + string.Join(" | ", entries.Select(e => e.Id + " " + Field(e, "callId"))));
        var entry = entries[0];
        Assert.Equal(["callId", "outcome", "queue", "agent", "json"], entry.Values.Select(v => v.Name.ToString()));
        Assert.Equal("call-1", Field(entry, "callId"));
        Assert.Equal("answered", Field(entry, "outcome"));
        Assert.Equal("billing", Field(entry, "queue"));
        Assert.Equal("1001", Field(entry, "agent"));
        var line = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_dir, "calls-2026-11-23.jsonl")));
        Assert.Equal(line, Field(entry, "json"));
        Assert.Equal("call-1", CallRecordJson.Deserialize(Field(entry, "json"))!.CallId);
        Assert.Equal(1, redisSink.Written);
    }

    [Fact]
    public async Task Write_NoQueueNoAgent_EmptyFields()
    {
        var sink = new RedisStreamCallRecordSink(_redis, new RedisCallRecordOptions());

        sink.Write(Record("call-2"));
        await sink.DisposeAsync();

        var entry = Assert.Single(await _redis.GetDatabase().StreamRangeAsync("{acd}:records"));
        Assert.Equal("abandoned", Field(entry, "outcome"));
        Assert.Equal(string.Empty, Field(entry, "queue"));
        Assert.Equal(string.Empty, Field(entry, "agent"));
    }

    [Fact]
    public async Task Write_MoreThanMaxLength_StreamTrimmedToAboutTheCapKeepingTheNewest()
    {
        // Approximate trimming drops whole stream nodes: small nodes make the bound tight.
        Assert.StartsWith("+OK", await _server.CommandAsync("CONFIG SET stream-node-max-entries 10"), StringComparison.Ordinal);
        var sink = new RedisStreamCallRecordSink(_redis, new RedisCallRecordOptions { StreamKey = "{acd}:records:trim", MaxLength = 50 });

        for (var i = 0; i < 1000; i++)
        {
            sink.Write(Record($"c{i:D4}"));
        }

        await sink.DisposeAsync();

        var db = _redis.GetDatabase();
        var length = await db.StreamLengthAsync("{acd}:records:trim");
        Assert.InRange(length, 50, 60);
        var newest = await db.StreamRangeAsync("{acd}:records:trim", count: 1, messageOrder: Order.Descending);
        Assert.Equal("c0999", Field(Assert.Single(newest), "callId"));
        Assert.Equal(1000, sink.Written);
    }

    [Fact]
    public async Task Write_RedisStopped_ErrorCountedThenRetriedAfterRestart()
    {
        var sink = new RedisStreamCallRecordSink(_redis, new RedisCallRecordOptions());
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };
        await _server.StopAsync();

        var failed = NextBatch(sink);
        sink.Write(Record("while-down"));
        Assert.Equal(1, await failed);
        Assert.Equal(1, sink.Errors);

        await _server.RestartAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(30));

        sink.Write(Record("after-restart"));
        await sink.DisposeAsync();

        var ids = (await _redis.GetDatabase().StreamRangeAsync("{acd}:records")).Select(e => Field(e, "callId")).ToList();
        Assert.Equal(["while-down", "after-restart"], ids);
        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public async Task AddCallRecords_UsesRedis_FileAndStreamBothWrittenAndDrainedOnDispose()
    {
        var options = new ServerOptions { RecordsPath = _dir, RedisConfiguration = _server.ConnectionString };
        var services = new ServiceCollection().AddSingleton<IConnectionMultiplexer>(_redis).AddCallRecords(options);
        var provider = services.BuildServiceProvider();

        var sink = Assert.IsType<CompositeCallRecordSink>(provider.GetRequiredService<ICallRecordSink>());
        Assert.Equal([typeof(JsonLinesCallRecordSink), typeof(RedisStreamCallRecordSink)], sink.Sinks.Select(s => s.GetType()));
        for (var i = 0; i < 100; i++)
        {
            sink.Write(Record($"c{i}"));
        }

        await provider.DisposeAsync();

        Assert.Equal(100, (await File.ReadAllLinesAsync(Path.Combine(_dir, "calls-2026-11-23.jsonl"))).Length);
        Assert.Equal(100, await _redis.GetDatabase().StreamLengthAsync("{acd}:records"));
    }

    [Fact]
    public async Task AddCallRecords_InMemoryStore_FileSinkOnly()
    {
        var provider = new ServiceCollection().AddCallRecords(new ServerOptions { RecordsPath = _dir }).BuildServiceProvider();

        var sink = Assert.IsType<CompositeCallRecordSink>(provider.GetRequiredService<ICallRecordSink>());
        sink.Write(Record("c1"));
        await provider.DisposeAsync();

        Assert.IsType<JsonLinesCallRecordSink>(Assert.Single(sink.Sinks));
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_dir, "calls-2026-11-23.jsonl")));
    }

    private static CallRecord Record(string callId) => new()
    {
        CallId = callId,
        Node = "node-a",
        DialedNumber = "100",
        CallerId = "+15551234567",
        Arrived = Ended.AddMinutes(-3),
        Ended = Ended,
        Outcome = CallOutcome.Abandoned,
    };

    private static string Field(StreamEntry entry, string name) => entry.Values.Single(v => v.Name == name).Value.ToString();

    private static Task<int> NextBatch(QueuedCallRecordSink sink)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.AfterBatch = n => done.TrySetResult(n);
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
