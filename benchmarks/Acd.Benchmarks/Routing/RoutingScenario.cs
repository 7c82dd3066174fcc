using Acd.Routing;

namespace Acd.Benchmarks.Routing;

/// <summary>
/// The latency scenario: 50 skills, one single-skill queue per skill (longest idle, no wrap-up), 1,000 agents with
/// 3 skills each. 80% of agents serve skills 0-39 and are kept busy; their queues hold the waiting calls. 20% serve
/// skills 40-49 and stay free, so a call to queues 40-49 is routed at once (call arrives -> agent chosen) and
/// ending a busy agent's call makes it pick the best head of its queues (agent frees -> call chosen).
/// </summary>
internal sealed class RoutingScenario
{
    public const int Skills = 50;
    public const int BusySkills = 40;

    private readonly IQueueStore _store;
    private readonly Random _random = new(42);
    private readonly List<string> _busyAgents = [];
    private long _nextCall;

    public RoutingScenario(IQueueStore store, int agents)
    {
        _store = store;
        Agents = agents;
    }

    public int Agents { get; }

    public static RoutingConfig Config(int agents)
    {
        var skills = Enumerable.Range(0, Skills).Select(i => $"s{i:D2}").ToArray();
        var queues = skills.Select(s => new QueueConfig
        {
            Name = "q" + s[1..],
            Skills = [new SkillRequirement(s, 1)],
            RingTimeout = TimeSpan.FromHours(1),
        }).ToArray();
        var random = new Random(7);
        var list = new List<AgentConfig>(agents);
        for (var i = 0; i < agents; i++)
        {
            var busy = i < agents * 8 / 10;
            var pool = busy ? Enumerable.Range(0, BusySkills) : Enumerable.Range(BusySkills, Skills - BusySkills);
            var mine = pool.OrderBy(_ => random.Next()).Take(3).ToDictionary(k => skills[k], _ => random.Next(1, 11), StringComparer.Ordinal);
            list.Add(new AgentConfig { Id = (busy ? "b" : "f") + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), Skills = mine });
        }

        return new RoutingConfig { Skills = skills, Queues = queues, Agents = list };
    }

    public async Task SetUpAsync(int waiting)
    {
        var config = Config(Agents);
        var errors = await _store.LoadAsync(config);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }

        foreach (var a in config.Agents)
        {
            await _store.SetAgentStateAsync(a.Id, AgentState.Available);
            if (a.Id[0] == 'b')
            {
                _busyAgents.Add(a.Id);
                var queue = "q" + a.Skills.Keys.First()[1..];
                var offer = (await _store.EnqueueAsync(Call(queue))).Offers.Single();
                await Expect(_store.CompleteReservationAsync(offer.CallId!, offer.AgentId!, ReservationOutcome.Accepted));
            }
        }

        for (var i = 0; i < waiting; i++)
        {
            var r = await _store.EnqueueAsync(Call(BusyQueue()));
            if (r.Offers.Any())
            {
                throw new InvalidOperationException("a waiting call was routed: the scenario is broken");
            }
        }
    }

    /// <summary>Timed: a call arrives for a queue with free agents. Returns the untimed clean-up.</summary>
    public Task<RoutingResult> CallArrives() => _store.EnqueueAsync(Call($"q{_random.Next(BusySkills, Skills)}"));

    public async Task UndoCallArrives(RoutingResult r)
    {
        var offer = r.Offers.Single();
        await Expect(_store.CompleteReservationAsync(offer.CallId!, offer.AgentId!, ReservationOutcome.Accepted));
        await Expect(_store.EndCallAsync(offer.AgentId!));
    }

    public string NextBusyAgent() => _busyAgents[_random.Next(_busyAgents.Count)];

    /// <summary>Timed: a busy agent's call ends and it picks a waiting call.</summary>
    public Task<RoutingResult> AgentFrees(string agent) => _store.EndCallAsync(agent);

    public async Task UndoAgentFrees(RoutingResult r)
    {
        var offer = r.Offers.Single();
        await Expect(_store.CompleteReservationAsync(offer.CallId!, offer.AgentId!, ReservationOutcome.Accepted));
        var refill = await _store.EnqueueAsync(Call(BusyQueue()));
        if (refill.Offers.Any())
        {
            throw new InvalidOperationException("a refill call was routed: the scenario is broken");
        }
    }

    private string BusyQueue() => $"q{_random.Next(0, BusySkills):D2}";

    private CallRequest Call(string queue) => new() { CallId = "c" + (++_nextCall).ToString(System.Globalization.CultureInfo.InvariantCulture), Queue = queue, Node = "bench" };

    private static async Task Expect(Task<RoutingResult> op)
    {
        var r = await op;
        if (!r.Succeeded)
        {
            throw new InvalidOperationException($"{r.Error}: {r.Reason}");
        }
    }
}
