using Acd.Calls.Inbound;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Server.Hosting;
using Acd.Sip.Ua;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Server.Tests.Hosting;

/// <summary>
/// Graceful shutdown without a process: the drain on a fake call service (virtual time), the gate's 503s, the options,
/// and the start-up reaping of a previous run's calls on a real router over the in-memory store.
/// </summary>
public sealed class GracefulShutdownServiceTests
{
    private const string Agent = "a1002";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly AcdRouter _router;

    public GracefulShutdownServiceTests()
    {
        _router = new AcdRouter(new InMemoryQueueStore(_time), new RoutingOptions { NodeId = "n1" }, _time);
    }

    [Fact]
    public async Task StoppingAsync_LiveCalls_GateClosedBeforeTheDrainWhichGetsTheTimeout()
    {
        var options = new GracefulShutdownOptions { DrainTimeout = TimeSpan.FromSeconds(20) };
        var gate = new DrainGate(options);
        var calls = new FakeCallControl(_time, gate);
        var service = Service(options, gate, calls);

        var stopping = service.StoppingAsync(CancellationToken.None);

        Assert.True(gate.Draining);
        Assert.Equal(TimeSpan.FromSeconds(20), calls.Timeout);
        Assert.True(calls.GateClosedFirst);
        Assert.False(stopping.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(stopping.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task StoppingAsync_HostTimeoutFirst_CutShortWithoutThrowing()
    {
        var options = new GracefulShutdownOptions();
        var gate = new DrainGate(options);
        using var host = new CancellationTokenSource();
        var stopping = Service(options, gate, new FakeCallControl(_time, gate)).StoppingAsync(host.Token);

        await host.CancelAsync();

        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task StoppingAsync_NoCallService_GateClosedAnyway()
    {
        var options = new GracefulShutdownOptions();
        var gate = new DrainGate(options);

        await Service(options, gate, null).StoppingAsync(CancellationToken.None);

        Assert.True(gate.Draining);
    }

    [Fact]
    public async Task StartingAsync_PreviousRunLeftAnAgentOnACall_CallReapedAgentToWrapUpThenAvailable()
    {
        Assert.Empty(await _router.LoadAsync(Routing));
        await _router.LoginAsync(Agent);
        var offer = Assert.Single((await _router.EnqueueAsync("c1", "support")).Offers);
        Assert.Equal(Agent, offer.AgentId);
        Assert.True((await _router.AcceptAsync("c1", Agent)).Succeeded);
        await _router.HeartbeatAsync();
        Assert.Equal(AgentState.OnCall, (await _router.GetAgentAsync(Agent))!.State);

        // The node restarts within its heartbeat: nothing else would ever reap the call it lost.
        var options = new GracefulShutdownOptions();
        await Service(options, new DrainGate(options), null).StartingAsync(CancellationToken.None);

        Assert.Equal(AgentState.WrapUp, (await _router.GetAgentAsync(Agent))!.State);
        _time.Advance(TimeSpan.FromSeconds(11));
        await _router.ProcessDueAsync();
        Assert.Equal(AgentState.Available, (await _router.GetAgentAsync(Agent))!.State);
    }

    [Fact]
    public async Task StartingAsync_PausedAgent_StaysPausedWithItsReason()
    {
        Assert.Empty(await _router.LoadAsync(Routing));
        await _router.PauseAsync(Agent, "lunch");
        var options = new GracefulShutdownOptions();

        await Service(options, new DrainGate(options), null).StartingAsync(CancellationToken.None);

        var agent = await _router.GetAgentAsync(Agent);
        Assert.Equal((AgentState.Paused, "lunch"), (agent!.State, agent.Reason));
    }

    [Theory]
    [InlineData(null, 30)]
    [InlineData("5", 5)]
    [InlineData("0.5", 0.5)]
    [InlineData("00:02:00", 120)]
    [InlineData("0", 0)]
    public void Read_DrainTimeout_Parsed(string? text, double seconds)
    {
        var options = GracefulShutdownOptions.Read(Configuration(text));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.DrainTimeout);
        Assert.True(options.ShutdownTimeout > options.DrainTimeout);
        Assert.True(options.RetryAfter >= TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-3")]
    [InlineData("7200")]
    [InlineData("02:00:00")]
    public void Read_BadDrainTimeout_ConfigurationErrorNamingTheKey(string text)
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => GracefulShutdownOptions.Read(Configuration(text)));

        Assert.Equal(GracefulShutdownOptions.DrainTimeoutKey, Assert.Single(e.Errors).Key);
    }

    [Fact]
    public void AddGracefulShutdown_LongDrain_HostShutdownTimeoutLarger()
    {
        using var provider = new ServiceCollection().AddGracefulShutdown(Configuration("90")).BuildServiceProvider();

        Assert.Equal(TimeSpan.FromSeconds(105), provider.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    private static RoutingConfig Routing => new()
    {
        Skills = ["support"],
        Queues = [new QueueConfig { Name = "support", Skills = [new SkillRequirement("support", 1)], WrapUp = TimeSpan.FromSeconds(10) }],
        Agents = [new AgentConfig { Id = Agent, Skills = new Dictionary<string, int> { ["support"] = 5 } }],
    };

    private static IConfiguration Configuration(string? drain) => new ConfigurationBuilder()
        .AddInMemoryCollection(drain is null ? [] : [new KeyValuePair<string, string?>(GracefulShutdownOptions.DrainTimeoutKey, drain)])
        .Build();

    private GracefulShutdownService Service(GracefulShutdownOptions options, DrainGate gate, ICallControl? calls)
    {
        var services = new ServiceCollection();
        if (calls is not null)
        {
            services.AddSingleton(calls);
        }

        return new GracefulShutdownService(options, gate, services.BuildServiceProvider(), _router, NullLogger<GracefulShutdownService>.Instance);
    }

    /// <summary>A call service whose drain waits its whole timeout on virtual time (the calls never end by themselves).</summary>
    private sealed class FakeCallControl(TimeProvider time, DrainGate gate) : ICallControl
    {
        public TimeSpan? Timeout { get; private set; }

        public bool GateClosedFirst { get; private set; }

        public bool Draining => Timeout is not null;

        public IReadOnlyList<ActiveCallInfo> ActiveCalls() => [];

        public ActiveCallInfo? Find(string callId) => null;

        public ActiveCallInfo? FindByAgent(string agentId) => null;

        public Task<CallControlResult> HangupAsync(string callId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CallControlResult> TransferAsync(string callId, TransferTarget target, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SupervisionMode mode, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SipCall supervisorCall, SupervisionMode mode, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            Timeout = timeout;
            GateClosedFirst = gate.Draining;
            return Task.Delay(timeout, time, cancellationToken);
        }
    }
}
