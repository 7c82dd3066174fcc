using Acd.Routing;
using Acd.Routing.Redis;
using Acd.Testing.Redis;
using StackExchange.Redis;
using Xunit;

namespace Acd.Routing.Tests;

public sealed class InMemoryQueueStoreContractTests : QueueStoreContractTests
{
    protected override Task<IQueueStore> CreateStoreAsync(TimeProvider time, Random random) =>
        Task.FromResult<IQueueStore>(new InMemoryQueueStore(time, random));
}

/// <summary>One real redis-server and one shared multiplexer per test class; each test uses its own hash-tagged key prefix.</summary>
public sealed class RedisStoreFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Server.DisposeAsync();
    }

    public static RedisRoutingOptions UniqueOptions() => new()
    {
        KeyPrefix = "{t" + Guid.NewGuid().ToString("N")[..10] + "}:",
        MaxRetryDuration = TimeSpan.FromSeconds(20),
    };
}

public sealed class RedisQueueStoreContractTests(RedisStoreFixture fixture) : QueueStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override Task<IQueueStore> CreateStoreAsync(TimeProvider time, Random random) =>
        Task.FromResult<IQueueStore>(new RedisQueueStore(fixture.Redis, RedisStoreFixture.UniqueOptions(), time, random));
}
