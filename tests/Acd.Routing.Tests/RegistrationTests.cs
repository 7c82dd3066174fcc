using Acd.Routing;
using Acd.Routing.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Acd.Routing.Tests;

public sealed class RegistrationTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task AddAcdRouting_Defaults_InMemoryStoresAndWorkingRouter()
    {
        var services = new ServiceCollection().AddAcdRouting(new RoutingOptions { NodeId = "n1" });
        await using var sp = services.BuildServiceProvider();

        var router = sp.GetRequiredService<AcdRouter>();

        Assert.IsType<InMemoryQueueStore>(router.Store);
        Assert.IsType<InMemoryBindingStore>(sp.GetRequiredService<IBindingStore>());
        Assert.Empty(await router.LoadAsync(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)))));
        Assert.True((await router.LoginAsync("a1")).Succeeded);
    }

    [Fact]
    public async Task AddAcdRoutingRedis_BeforeAddAcdRouting_RedisStoresWin()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConnectionMultiplexer>(fixture.Redis)
            .AddAcdRoutingRedis(RedisStoreFixture.UniqueOptions())
            .AddAcdRouting(new RoutingOptions { NodeId = "n1" });
        await using var sp = services.BuildServiceProvider();

        var router = sp.GetRequiredService<AcdRouter>();

        Assert.IsType<RedisQueueStore>(router.Store);
        Assert.IsType<RedisBindingStore>(sp.GetRequiredService<IBindingStore>());
        Assert.Empty(await router.LoadAsync(Cfg.Config([Cfg.Queue("q")], Cfg.Agent("a1", ("sales", 5)))));
        Assert.Equal("c1", (await router.EnqueueAsync("c1", "q")).Events[0].CallId);
    }

    [Fact]
    public void AddAcdRoutingRedis_PrefixWithoutHashTag_Throws() =>
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddAcdRoutingRedis(new RedisRoutingOptions { KeyPrefix = "acd:" }));
}
