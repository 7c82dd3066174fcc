using System.Globalization;
using Acd.Routing;
using Microsoft.Extensions.Time.Testing;
using Acd.Benchmarks.Shared;

namespace Acd.Benchmarks.Routing;

/// <summary>
/// Discrete-event contact-center simulation on virtual time (FakeTimeProvider) through the real in-memory store:
/// Poisson arrivals to three queues with a skill mix (sales, support, spanish with escalation), exponential handle
/// times and caller patience (abandonment), agents answering after ringing, wrap-up, and a staffing cut of 25%
/// half-way. Reports per strategy: service level, ASA, abandon rate, occupancy, and the EWT error (the estimate
/// given at arrival vs the actual wait of answered calls), against a naive estimate that keeps the starting staff.
/// Arrivals and patience use their own random streams, so every strategy sees the same callers.
/// Usage: routing-sim [--hours 8] [--agents 60] [--rate 1000 (calls/hour)] [--seed 1]
/// </summary>
public sealed class RoutingSimTool : IBenchTool
{
    public string Name => "routing-sim";

    public string Description => "Routing simulator: SL, ASA, abandon rate, occupancy per strategy, EWT error (virtual time)";

    public int Run(string[] args)
    {
        var hours = double.Parse(ToolArgs.Option(args, "--hours", "8"), CultureInfo.InvariantCulture);
        var agents = int.Parse(ToolArgs.Option(args, "--agents", "60"), CultureInfo.InvariantCulture);
        var rate = double.Parse(ToolArgs.Option(args, "--rate", "1000"), CultureInfo.InvariantCulture);
        var seed = int.Parse(ToolArgs.Option(args, "--seed", "1"), CultureInfo.InvariantCulture);
        Console.WriteLine($"# routing-sim {DateTime.UtcNow:u}: {hours} h virtual, {agents} agents, {rate} calls/h, seed {seed}, staffing cut 25% at {hours / 2} h");
        Console.WriteLine();
        Console.WriteLine("| strategy | offered | answered | SL (20 s) | ASA s | abandon % | occupancy % | EWT MAE s | EWT bias s | naive MAE s | naive bias s | wall ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var strategy in RoutingStrategies.BuiltInNames.Order(StringComparer.Ordinal))
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = new Simulation(strategy, hours, agents, rate, seed).RunAsync().GetAwaiter().GetResult();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {strategy} | {r.Offered} | {r.Answered} | {r.ServiceLevel:P1} | {r.Asa:F1} | {r.AbandonRate:P1} | {r.Occupancy:P1} | {r.EwtMae:F1} | {r.EwtBias:F1} | {r.NaiveMae:F1} | {r.NaiveBias:F1} | {sw.ElapsedMilliseconds} |"));
        }

        return 0;
    }

    internal sealed record SimResult(long Offered, long Answered, double ServiceLevel, double Asa, double AbandonRate, double Occupancy, double EwtMae, double EwtBias, double NaiveMae, double NaiveBias);

    private sealed class Simulation(string strategy, double hours, int agentCount, double ratePerHour, int seed)
    {
        private static readonly (string Queue, double Share, double HandleS)[] Mix = [("sales", 0.5, 180), ("support", 0.35, 240), ("spanish", 0.15, 200)];
        private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        private readonly Random _arrivals = new(seed);
        private readonly Random _patience = new(seed + 10);
        private readonly Random _handles = new(seed + 20);
        private readonly PriorityQueue<Func<Task>, (long, long)> _events = new();
        private long _startMs;
        private readonly Dictionary<string, (double Predicted, double Naive)> _predicted = new(StringComparer.Ordinal);
        private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
        private readonly HashSet<string> _pauseFlag = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (AgentState State, long Since)> _agentState = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _initialStaff = new(StringComparer.Ordinal);
        private InMemoryQueueStore _store = null!;
        private long _seq;
        private long _calls;
        private double _staffedMs;
        private double _busyMs;
        private double _errSum;
        private double _absErrSum;
        private double _naiveAbsErrSum;
        private double _naiveErrSum;
        private long _errN;

        private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

        public async Task<SimResult> RunAsync()
        {
            _store = new InMemoryQueueStore(_clock, new Random(seed + 1));
            _startMs = Now;
            var config = Config();
            var errors = await _store.LoadAsync(config);
            if (errors.Count > 0)
            {
                throw new InvalidOperationException(string.Join("; ", errors));
            }

            foreach (var a in config.Agents)
            {
                Handle(await _store.SetAgentStateAsync(a.Id, AgentState.Available));
            }

            foreach (var (queue, _, _) in Mix)
            {
                _initialStaff[queue] = (await _store.GetQueueSnapshotAsync(queue))!.StaffedAgents;
                ScheduleArrival(queue);
            }

            var end = Now + (long)(hours * 3_600_000);
            Schedule(Now + (long)(hours * 1_800_000), async () =>
            {
                foreach (var a in config.Agents.Where((_, i) => i % 4 == 0))
                {
                    _pauseFlag.Add(a.Id);
                    await TryPause(a.Id);
                }
            });

            while (true)
            {
                var hasEvent = _events.TryPeek(out _, out var key);
                var due = await _store.GetNextDueAsync();
                var dueMs = due?.ToUnixTimeMilliseconds() ?? long.MaxValue;
                if (!hasEvent && due is null)
                {
                    break;
                }

                var t = Math.Min(hasEvent ? key.Item1 : long.MaxValue, dueMs);
                if (t > end && !hasEvent)
                {
                    break;
                }

                if (t > Now)
                {
                    _clock.Advance(TimeSpan.FromMilliseconds(t - Now));
                }

                if (dueMs <= t)
                {
                    Handle(await _store.ProcessDueAsync());
                    continue;
                }

                var action = _events.Dequeue();
                await action();
                if (Now > end && _events.Count == 0)
                {
                    break;
                }
            }

            CloseAgentTime();
            long offered = 0, answered = 0, abandoned = 0, shortAb = 0, within = 0, waitSum = 0;
            foreach (var (queue, _, _) in Mix)
            {
                var s = (await _store.GetQueueSnapshotAsync(queue))!;
                offered += s.Offered - s.Transferred;
                answered += s.Answered;
                abandoned += s.Abandoned;
                shortAb += s.ShortAbandoned;
                within += s.AnsweredWithinServiceLevel;
                waitSum += s.WaitSumMs;
            }

            var slDen = answered + abandoned - shortAb;
            return new SimResult(offered, answered, slDen == 0 ? 1 : (double)within / slDen, answered == 0 ? 0 : waitSum / 1000.0 / answered,
                offered == 0 ? 0 : (double)abandoned / offered, _staffedMs == 0 ? 0 : _busyMs / _staffedMs,
                _errN == 0 ? 0 : _absErrSum / _errN, _errN == 0 ? 0 : _errSum / _errN, _errN == 0 ? 0 : _naiveAbsErrSum / _errN, _errN == 0 ? 0 : _naiveErrSum / _errN);
        }

        private RoutingConfig Config()
        {
            QueueConfig Q(string name, SkillRequirement[] skills, EscalationStep[]? steps = null) => new()
            {
                Name = name,
                Skills = skills,
                Strategy = strategy,
                WrapUp = TimeSpan.FromSeconds(10),
                RingTimeout = TimeSpan.FromSeconds(15),
                ServiceLevelThreshold = TimeSpan.FromSeconds(20),
                InitialHandleTime = TimeSpan.FromSeconds(200),
                Escalation = steps ?? [],
            };
            var queues = new[]
            {
                Q("sales", [new("sales", 3)], [new EscalationStep { After = TimeSpan.FromSeconds(30), MinLevel = 1 }]),
                Q("support", [new("support", 1)]),
                Q("spanish", [new("sales", 1), new("spanish", 7)], [new EscalationStep { After = TimeSpan.FromSeconds(30), MinLevel = 4 }, new EscalationStep { After = TimeSpan.FromSeconds(60), MinLevel = 1 }]),
            };
            var rng = new Random(seed + 2);
            var agents = new List<AgentConfig>();
            for (var i = 0; i < agentCount; i++)
            {
                var skills = new Dictionary<string, int>(StringComparer.Ordinal);
                if (i % 3 != 2)
                {
                    skills["sales"] = rng.Next(1, 11);
                }

                if (i % 3 != 0)
                {
                    skills["support"] = rng.Next(1, 11);
                }

                if (i % 4 == 1 && skills.ContainsKey("sales"))
                {
                    skills["spanish"] = rng.Next(3, 11);
                }

                agents.Add(new AgentConfig { Id = $"a{i:D3}", Skills = skills });
            }

            return new RoutingConfig { Skills = ["sales", "support", "spanish"], Queues = queues, Agents = agents, RingNoAnswerLimit = 3 };
        }

        private static double Exp(Random rng, double mean) => -mean * Math.Log(1 - rng.NextDouble());

        private void Schedule(long at, Func<Task> action) => _events.Enqueue(action, (at, ++_seq));

        private void ScheduleArrival(string queue)
        {
            var share = Mix.First(m => m.Queue == queue).Share;
            var at = Now + (long)Exp(_arrivals, 3_600_000 / (ratePerHour * share));
            if (at - _startMs > (long)(hours * 3_600_000))
            {
                return;
            }

            Schedule(at, async () =>
            {
                var id = "c" + (++_calls).ToString(CultureInfo.InvariantCulture);
                var result = await _store.EnqueueAsync(new CallRequest { CallId = id, Queue = queue, Node = "sim" });
                var position = await _store.GetCallPositionAsync(id);
                if (position is { Waiting: true })
                {
                    var predicted = position.EstimatedWait?.TotalMilliseconds ?? 3_600_000;
                    var naive = position.Position * position.AverageHandleMs / Math.Max(1, _initialStaff[queue]);
                    _predicted[id] = (predicted, naive);
                }
                else
                {
                    _predicted[id] = (0, 0);
                }

                Handle(result);
                var patience = (long)Exp(_patience, 120_000);
                Schedule(Now + patience, async () =>
                {
                    if (!_answered.Contains(id))
                    {
                        Handle(await _store.AbandonAsync(id));
                    }
                });
                ScheduleArrival(queue);
            });
        }

        private async Task TryPause(string agent)
        {
            if (_agentState.TryGetValue(agent, out var s) && s.State is AgentState.Available or AgentState.WrapUp)
            {
                Handle(await _store.SetAgentStateAsync(agent, AgentState.Paused, "end-of-shift"));
            }
        }

        private void Handle(RoutingResult result)
        {
            foreach (var e in result.Events)
            {
                switch (e.Kind)
                {
                    case RoutingEventKind.Offered:
                        var call = e.CallId!;
                        var agent = e.AgentId!;
                        Schedule(Now + 3000, async () =>
                        {
                            var accepted = await _store.CompleteReservationAsync(call, agent, ReservationOutcome.Accepted);
                            if (!accepted.Succeeded)
                            {
                                return;
                            }

                            _answered.Add(call);
                            Handle(accepted);
                            var handle = (long)Exp(_handles, Mix.First(m => m.Queue == e.Queue).HandleS * 1000);
                            Schedule(Now + handle, async () =>
                            {
                                Handle(await _store.EndCallAsync(agent));
                                if (_pauseFlag.Contains(agent))
                                {
                                    await TryPause(agent);
                                }
                            });
                        });
                        break;
                    case RoutingEventKind.Answered when _predicted.Remove(e.CallId!, out var p):
                        var err = p.Predicted - e.WaitMs;
                        _errSum += err / 1000;
                        _absErrSum += Math.Abs(err) / 1000;
                        _naiveAbsErrSum += Math.Abs(p.Naive - e.WaitMs) / 1000;
                        _naiveErrSum += (p.Naive - e.WaitMs) / 1000;
                        _errN++;
                        break;
                    case RoutingEventKind.AgentStateChanged:
                        Account(e.AgentId!, e.State);
                        break;
                    default:
                        break;
                }
            }
        }

        private void Account(string agent, AgentState state)
        {
            if (_agentState.TryGetValue(agent, out var old))
            {
                var span = Now - old.Since;
                if (old.State is AgentState.Available or AgentState.Reserved or AgentState.OnCall or AgentState.WrapUp)
                {
                    _staffedMs += span;
                }

                if (old.State is AgentState.OnCall or AgentState.WrapUp or AgentState.Reserved)
                {
                    _busyMs += span;
                }
            }

            _agentState[agent] = (state, Now);
        }

        private void CloseAgentTime()
        {
            foreach (var (agent, s) in _agentState.ToArray())
            {
                Account(agent, s.State);
            }
        }
    }
}
