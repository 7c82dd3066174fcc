using System.Diagnostics.Metrics;
using System.Text;
using Acd.Routing;
using Acd.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Xunit;

namespace Acd.Server.Tests.Metrics;

/// <summary>Per-call data never becomes a label: 10,000 calls through routing leave the exported series count unchanged.</summary>
public sealed class MetricCardinalityTests
{
    [Fact]
    public async Task Export_TenThousandCalls_NoPerCallSeries()
    {
        // The test's own meters only: other tests of this assembly run at the same time with "Acd.Routing" meters of their own.
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var bridge = new PrometheusMeterBridge(registry, "Acd.Routing", MetricCatalog.Metrics, meters);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        using var metrics = new RoutingMetrics(meters);
        var store = new InMemoryQueueStore(time);
        var router = new AcdRouter(store, new RoutingOptions { NodeId = "n1" }, time, null, metrics);
        var errors = await router.LoadAsync(new RoutingConfig
        {
            Skills = ["billing"],
            Queues = [new QueueConfig { Name = "billing", Skills = [new SkillRequirement("billing", 1)], WrapUp = TimeSpan.Zero }],
            Agents = [new AgentConfig { Id = "1001", Skills = new Dictionary<string, int> { ["billing"] = 5 } }],
        });
        Assert.Empty(errors);
        Assert.True((await router.LoginAsync("1001")).Succeeded);

        await RunCallsAsync(router, time, 0, 10);
        await router.RefreshSnapshotsAsync();
        var before = Series(await ScrapeAsync(registry));
        await RunCallsAsync(router, time, 10, 10_000);
        await router.RefreshSnapshotsAsync();
        var text = await ScrapeAsync(registry);
        var after = Series(text);

        Assert.Contains("acd_queue_calls_answered_total{queue=\"billing\"} 10000", text, StringComparison.Ordinal);
        Assert.Equal(before.Count, after.Count);
        Assert.DoesNotContain(after, s => s.Contains("call-", StringComparison.Ordinal));
    }

    private static async Task RunCallsAsync(AcdRouter router, FakeTimeProvider time, int first, int count)
    {
        for (var i = first; i < count; i++)
        {
            var callId = $"call-{i}";
            Assert.True((await router.EnqueueAsync(callId, "billing")).Succeeded);
            Assert.True((await router.AcceptAsync(callId, "1001")).Succeeded);
            time.Advance(TimeSpan.FromSeconds(30));
            Assert.True((await router.EndCallAsync("1001")).Succeeded);
            time.Advance(TimeSpan.FromSeconds(1));
            await router.ProcessDueAsync();
        }
    }

    private static List<string> Series(string exposition) =>
        exposition.Split('\n').Where(l => l.StartsWith("acd_", StringComparison.Ordinal)).Select(l => l[..l.LastIndexOf(' ')]).ToList();

    private static async Task<string> ScrapeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
