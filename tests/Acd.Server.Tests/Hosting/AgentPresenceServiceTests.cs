using System.Diagnostics.Metrics;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Server.Tests.Hosting;

/// <summary>
/// The presence service on the in-memory binding and queue stores, a real <see cref="AcdRouter"/> and a virtual clock.
/// Registrations are made as the registrar makes them: the store is updated, then the observer is told.
/// <see cref="AgentPresenceService.FlushAsync"/> waits for the service's loop instead of sleeping.
/// </summary>
public sealed class AgentPresenceServiceTests : IAsyncLifetime
{
    private const string Agent = "a1002";
    private const string Canonical = "sip:1002@acd";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WrapUp = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly InMemoryBindingStore _bindings;
    private readonly AcdRouter _router;
    private readonly List<AgentPresenceService> _services = [];
    private uint _cseq;

    public AgentPresenceServiceTests()
    {
        _bindings = new InMemoryBindingStore(_time);
        _router = new AcdRouter(new InMemoryQueueStore(_time), new RoutingOptions { NodeId = "n1" }, _time);
    }

    private IMeterFactory Meters => _metricsServices.GetRequiredService<IMeterFactory>();

    public async Task InitializeAsync()
    {
        Assert.Empty(await _router.LoadAsync(Routing));
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }

        await _metricsServices.DisposeAsync();
    }

    private static RoutingConfig Routing => new()
    {
        Skills = ["support"],
        Queues = [new QueueConfig { Name = "support", Skills = [new SkillRequirement("support", 1)], WrapUp = WrapUp }],
        Agents = [new AgentConfig { Id = Agent, Skills = new Dictionary<string, int> { ["support"] = 5 } }],
    };

    private static ContactCenterConfig Config(bool loginOnRegister = true) => new()
    {
        Source = "test.yaml",
        Realm = "acd",
        Numbers = [],
        Routing = Routing,
        Agents = [new AgentAccount { Id = Agent, Name = "Bob", Extension = "1002", Ha1Md5 = new string('0', 32) }],
        LoginOnRegister = loginOnRegister,
    };

    private async Task<AgentPresenceService> StartAsync(bool loginOnRegister = true)
    {
        var service = new AgentPresenceService(_router, _bindings, Config(loginOnRegister), new AgentPresenceOptions(), _time,
            NullLogger.Instance, Meters);
        _services.Add(service);
        await service.StartAsync(CancellationToken.None);

        // ExecuteAsync runs on the thread pool: once a flush comes back, the loop (and its sweep timer) is running.
        await service.FlushAsync().WaitAsync(Bound);
        return service;
    }

    /// <summary>A REGISTER of the agent's phone for <paramref name="expires"/> seconds (0 removes its binding).</summary>
    private async Task RegisterAsync(AgentPresenceService service, int expires = 120, string addressOfRecord = Canonical)
    {
        var before = (await _bindings.GetAsync(addressOfRecord)).Count;
        await _bindings.UpdateAsync(new RegistrationBinding
        {
            AddressOfRecord = addressOfRecord,
            Contact = "<sip:1002@127.0.0.1:5070>",
            Expires = _time.GetUtcNow().AddSeconds(expires),
            CallId = "presence-1",
            CSeq = ++_cseq,
            Node = "n1",
            Transport = "udp",
            Source = "127.0.0.1:5070",
        });
        service.BindingsChanged(addressOfRecord, before, (await _bindings.GetAsync(addressOfRecord)).Count);
        await service.FlushAsync().WaitAsync(Bound);
    }

    /// <summary>A REGISTER with Contact: * and Expires: 0.</summary>
    private async Task UnregisterAsync(AgentPresenceService service, string addressOfRecord = Canonical)
    {
        var before = (await _bindings.GetAsync(addressOfRecord)).Count;
        await _bindings.RemoveAllAsync(addressOfRecord);
        service.BindingsChanged(addressOfRecord, before, 0);
        await service.FlushAsync().WaitAsync(Bound);
    }

    /// <summary>Advances the clock by <paramref name="by"/> (the sweep timer fires) and waits for the loop.</summary>
    private async Task AdvanceAsync(AgentPresenceService service, TimeSpan by)
    {
        _time.Advance(by);
        await service.FlushAsync().WaitAsync(Bound);
    }

    private async Task<AgentState> StateAsync() => (await _router.GetAgentAsync(Agent))!.State;

    private async Task PutOnCallAsync()
    {
        Assert.True((await _router.EnqueueAsync("c1", "support")).Succeeded);
        Assert.True((await _router.AcceptAsync("c1", Agent)).Succeeded);
        Assert.Equal(AgentState.OnCall, await StateAsync());
    }

    /// <summary>Runs the wrap-up out (the router's due work, which the routing hosted service runs in the server).</summary>
    private async Task EndWrapUpAsync()
    {
        _time.Advance(WrapUp);
        await _router.ProcessDueAsync();
        Assert.Equal(AgentState.Available, await StateAsync());
    }

    [Fact]
    public async Task Register_AgentLoggedOut_LoggedInAndAvailable()
    {
        using var changes = new MetricCollector<long>(Meters, AgentPresenceService.MeterName, "acd_agent_presence_changes_total");
        var service = await StartAsync();

        await RegisterAsync(service);

        Assert.Equal(AgentState.Available, await StateAsync());
        Assert.Equal("login", Assert.Single(changes.GetMeasurementSnapshot()).Tags["change"]);
    }

    [Fact]
    public async Task Register_RefreshWhilePaused_StaysPaused()
    {
        var service = await StartAsync();
        await RegisterAsync(service);
        Assert.True((await _router.PauseAsync(Agent, "lunch")).Succeeded);

        await RegisterAsync(service);
        await AdvanceAsync(service, TimeSpan.FromSeconds(30));

        var agent = (await _router.GetAgentAsync(Agent))!;
        Assert.Equal(AgentState.Paused, agent.State);
        Assert.Equal("lunch", agent.Reason);
    }

    [Fact]
    public async Task Register_RefreshAfterManualLogout_StaysLoggedOut()
    {
        var service = await StartAsync();
        await RegisterAsync(service);
        Assert.True((await _router.LogoutAsync(Agent)).Succeeded);

        await RegisterAsync(service);

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
    }

    [Fact]
    public async Task Unregister_AgentAvailable_LoggedOut()
    {
        using var changes = new MetricCollector<long>(Meters, AgentPresenceService.MeterName, "acd_agent_presence_changes_total");
        var service = await StartAsync();
        await RegisterAsync(service);

        await UnregisterAsync(service);

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
        Assert.Equal(["login", "logout"], changes.GetMeasurementSnapshot().Select(m => (string?)m.Tags["change"]));
    }

    [Fact]
    public async Task Unregister_ExpiresZeroOnTheContact_LoggedOut()
    {
        var service = await StartAsync();
        await RegisterAsync(service);

        await RegisterAsync(service, expires: 0);

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
    }

    [Fact]
    public async Task Unregister_WhileOnCall_LoggedOutOnTheSweepAfterWrapUp()
    {
        var service = await StartAsync();
        await RegisterAsync(service);
        await PutOnCallAsync();

        await UnregisterAsync(service);
        await AdvanceAsync(service, TimeSpan.FromSeconds(5));
        Assert.Equal(AgentState.OnCall, await StateAsync());

        Assert.True((await _router.EndCallAsync(Agent)).Succeeded);
        await AdvanceAsync(service, TimeSpan.FromSeconds(5));
        Assert.Equal(AgentState.WrapUp, await StateAsync());

        await EndWrapUpAsync();
        await AdvanceAsync(service, TimeSpan.FromSeconds(5));

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
    }

    [Fact]
    public async Task Unregister_WhileOnCallThenRegisterAgain_StaysLoggedIn()
    {
        var service = await StartAsync();
        await RegisterAsync(service);
        await PutOnCallAsync();
        await UnregisterAsync(service);

        await RegisterAsync(service);
        Assert.True((await _router.EndCallAsync(Agent)).Succeeded);
        await EndWrapUpAsync();
        await AdvanceAsync(service, TimeSpan.FromSeconds(5));

        Assert.Equal(AgentState.Available, await StateAsync());
    }

    [Fact]
    public async Task Sweep_RegistrationExpired_LoggedOut()
    {
        var service = await StartAsync();
        await RegisterAsync(service, expires: 60);

        await AdvanceAsync(service, TimeSpan.FromSeconds(55));
        Assert.Equal(AgentState.Available, await StateAsync());
        await AdvanceAsync(service, TimeSpan.FromSeconds(10));

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
        Assert.Empty(await _bindings.GetAsync(Canonical));
    }

    [Fact]
    public async Task Sweep_RegistrationRefreshed_StaysAvailable()
    {
        var service = await StartAsync();
        await RegisterAsync(service, expires: 60);

        await AdvanceAsync(service, TimeSpan.FromSeconds(50));
        await RegisterAsync(service, expires: 60);
        await AdvanceAsync(service, TimeSpan.FromSeconds(50));

        Assert.Equal(AgentState.Available, await StateAsync());
    }

    [Fact]
    public async Task Sweep_TwoNodesOnOneStore_LogoutOnceWithoutErrors()
    {
        using var changes = new MetricCollector<long>(Meters, AgentPresenceService.MeterName, "acd_agent_presence_changes_total");
        var first = await StartAsync();
        var second = await StartAsync();
        await RegisterAsync(first, expires: 60);
        await RegisterAsync(second, expires: 60);

        _time.Advance(TimeSpan.FromSeconds(65));
        await Task.WhenAll(first.FlushAsync(), second.FlushAsync()).WaitAsync(Bound);

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
        Assert.Equal(["login", "logout"], changes.GetMeasurementSnapshot().Select(m => (string?)m.Tags["change"]));
    }

    [Fact]
    public async Task Register_AddressOfRecordOnAnotherHost_FollowedUntilUnregistered()
    {
        var service = await StartAsync();

        await RegisterAsync(service, addressOfRecord: "sip:1002@127.0.0.1");
        await AdvanceAsync(service, TimeSpan.FromSeconds(5));
        Assert.Equal(AgentState.Available, await StateAsync());
        await UnregisterAsync(service, "sip:1002@127.0.0.1");

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
    }

    [Fact]
    public async Task Sweep_LoggedInWithoutAPhone_LoggedOut()
    {
        var service = await StartAsync();
        Assert.True((await _router.LoginAsync(Agent)).Succeeded);

        await AdvanceAsync(service, TimeSpan.FromSeconds(5));

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
    }

    [Fact]
    public async Task Register_LoginOnRegisterOff_NothingHappens()
    {
        using var changes = new MetricCollector<long>(Meters, AgentPresenceService.MeterName, "acd_agent_presence_changes_total");
        var service = await StartAsync(loginOnRegister: false);

        await RegisterAsync(service);
        Assert.Equal(AgentState.LoggedOut, await StateAsync());
        Assert.True((await _router.LoginAsync(Agent)).Succeeded);
        await UnregisterAsync(service);
        await AdvanceAsync(service, TimeSpan.FromSeconds(30));

        Assert.Equal(AgentState.Available, await StateAsync());
        Assert.Empty(changes.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Register_NotAnAgentsExtension_Ignored()
    {
        var service = await StartAsync();

        service.BindingsChanged("sip:9999@acd.example", 0, 1);
        service.BindingsChanged("sip:acd.example", 0, 1);
        await service.FlushAsync().WaitAsync(Bound);

        Assert.Equal(AgentState.LoggedOut, await StateAsync());
    }

    [Theory]
    [InlineData(null, 5_000)]
    [InlineData("0.5", 500)]
    [InlineData("2", 2_000)]
    [InlineData("00:00:03", 3_000)]
    public void Read_SweepSetting_Interval(string? value, int milliseconds)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(AgentPresenceOptions.SweepKey, value)]).Build();

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), AgentPresenceOptions.Read(configuration).SweepInterval);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    [InlineData("2:00:00:00")]
    public void Read_BadSweepSetting_ConfigurationError(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(AgentPresenceOptions.SweepKey, value)]).Build();

        var error = Assert.Single(Assert.Throws<ConfigurationErrorsException>(() => AgentPresenceOptions.Read(configuration)).Errors);
        Assert.Equal("Acd:PresenceSweep", error.Key);
    }
}
