using System.Diagnostics.Metrics;
using System.Globalization;
using Acd.Calls.Inbound;
using Acd.Media;
using Acd.Routing;
using Acd.Server.Metrics;
using Acd.Sip.Auth;
using BenchmarkDotNet.Attributes;
using Prometheus;

namespace Acd.Benchmarks.Operations;

/// <summary>
/// What Acd's metrics cost, exported through <see cref="PrometheusMeterBridge"/> with its catalog (every documented
/// metric seeded, as on a node): a counter increment with nothing listening (baseline); per SIP message (the
/// library's <see cref="SipSignallingMetrics.Request"/>); per RTP packet sent (what MediaLeg records for each
/// frame: packets and payload bytes counters and the send-lateness histogram); and one /metrics scrape of a node
/// with 100 queues and 1,000 logged-in agents (the real <see cref="RoutingMetrics"/> fed by an
/// <see cref="AcdRouter"/> on the in-memory store, plus the call, SIP and media meters).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks : IDisposable
{
    private static readonly KeyValuePair<string, object?> Out = new("direction", "out");

    private Meter _unobserved = null!;
    private Counter<long> _unobservedCounter = null!;
    private CollectorRegistry _registry = null!;
    private PrometheusMeterBridge _bridge = null!;
    private SipSignallingMetrics _sip = null!;
    private MediaMetrics _media = null!;
    private CallMetrics _calls = null!;
    private RoutingMetrics _routing = null!;
    private MemoryStream _scrape = null!;

    [GlobalSetup]
    public void Setup()
    {
        _unobserved = new Meter("Bench.Unobserved");
        _unobservedCounter = _unobserved.CreateCounter<long>("bench_unobserved_total");
        _registry = Prometheus.Metrics.NewCustomRegistry();
        _bridge = new PrometheusMeterBridge(_registry, "Acd");
        _sip = new SipSignallingMetrics();
        _media = new MediaMetrics();
        _calls = new CallMetrics();
        _routing = new RoutingMetrics();
        LoadContactCenterAsync().GetAwaiter().GetResult();
        _scrape = new MemoryStream(1 << 20);
    }

    [Benchmark(Baseline = true, Description = "counter +1, nothing listening")]
    public void CounterUnobserved() => _unobservedCounter.Add(1, Out);

    [Benchmark(Description = "per SIP message: acd_sip_requests_total{method} +1, exported")]
    public void SipMessage() => _sip.Request("INVITE");

    [Benchmark(Description = "per RTP packet sent: packets +1, bytes +160, send lateness observed, exported")]
    public void RtpPacketSent()
    {
        _media.Packets.Add(1, Out);
        _media.Bytes.Add(160, Out);
        _media.SendLateness.Record(0.0003);
    }

    [Benchmark(Description = "/metrics scrape, 100 queues and 1,000 agents")]
    public async Task<long> Scrape()
    {
        _scrape.SetLength(0);
        await _registry.CollectAndExportAsTextAsync(_scrape);
        return _scrape.Length;
    }

    /// <summary>100 queues; 1,000 agents, each logged in and skilled for 5 of them; 20 calls answered per queue.</summary>
    private async Task LoadContactCenterAsync()
    {
        var queues = Enumerable.Range(0, 100).Select(i => "queue" + i.ToString("D3", CultureInfo.InvariantCulture)).ToArray();
        var agents = Enumerable.Range(0, 1000).Select(i => new AgentConfig
        {
            Id = (10000 + i).ToString(CultureInfo.InvariantCulture),
            Skills = Enumerable.Range(0, 5).ToDictionary(k => queues[((i * 5) + k) % 100], _ => 5),
        }).ToList();
        var router = new AcdRouter(new InMemoryQueueStore(TimeProvider.System), new RoutingOptions { NodeId = "bench" }, TimeProvider.System, null, _routing);
        var errors = await router.LoadAsync(new RoutingConfig
        {
            Skills = queues,
            Queues = [.. queues.Select(q => new QueueConfig { Name = q, Skills = [new SkillRequirement(q, 1)], WrapUp = TimeSpan.Zero })],
            Agents = agents,
        });
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }

        foreach (var agent in agents)
        {
            await router.LoginAsync(agent.Id);
        }

        foreach (var queue in queues)
        {
            for (var call = 0; call < 20; call++)
            {
                var id = $"{queue}-{call}";
                await router.EnqueueAsync(id, queue);
                var agent = agents.First(a => a.Skills.ContainsKey(queue)).Id;
                await router.AcceptAsync(id, agent);
                await router.EndCallAsync(agent);
                await router.ProcessDueAsync();
            }
        }

        await router.RefreshSnapshotsAsync();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _bridge?.Dispose();
        _routing?.Dispose();
        _calls?.Dispose();
        _media?.Dispose();
        _sip?.Dispose();
        _unobserved?.Dispose();
        _scrape?.Dispose();
        GC.SuppressFinalize(this);
    }
}
