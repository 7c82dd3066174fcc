namespace Acd.Routing;

/// <summary>
/// The single-node store: all state in this process behind one lock, so decisions never interleave.
/// Indexes: available agents per skill ordered by (idle since, id); waiting calls per queue ordered by
/// (priority desc, enqueue time, arrival sequence); due items (leases, escalation, max wait, wrap-up) in a
/// priority queue by (due time, key) with lazy deletion. Mirrors the Redis store's Lua rules exactly.
/// </summary>
public sealed class InMemoryQueueStore : IQueueStore
{
    /// <summary>Calls examined from the head of each queue when an agent frees (agent-free direction).</summary>
    public const int HeadScanLimit = 32;

    private const int NoCap = 10;
    private static readonly Comparer<AgentRec> IdleOrder = Comparer<AgentRec>.Create(static (a, b) =>
    {
        var c = a.IdleSinceMs.CompareTo(b.IdleSinceMs);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    });

    private static readonly Comparer<CallRec> QueueOrder = Comparer<CallRec>.Create(static (a, b) =>
    {
        var c = b.Priority.CompareTo(a.Priority);
        if (c != 0)
        {
            return c;
        }

        c = a.EnqueuedMs.CompareTo(b.EnqueuedMs);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    });

    private static readonly Comparer<(long Due, string Key)> DueOrder = Comparer<(long Due, string Key)>.Create(static (a, b) =>
    {
        var c = a.Due.CompareTo(b.Due);
        return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
    });

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Dictionary<string, IRoutingStrategy> _strategies;
    private readonly Dictionary<string, QueueRec> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentRec> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallRec> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<AgentRec>> _available = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, (long Due, string Key)> _due = new(DueOrder);
    private readonly Dictionary<string, long> _dueLive = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _nodeCalls = new(StringComparer.Ordinal);
    private readonly HashSet<string> _skills = new(StringComparer.Ordinal);
    private AgentCandidate[] _candidates = new AgentCandidate[64];
    private AgentRec[] _candidateAgents = new AgentRec[64];
    private long _seq;
    private int _rnaLimit = 3;

    public InMemoryQueueStore(TimeProvider time, Random? random = null, IEnumerable<IRoutingStrategy>? strategies = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = random ?? Random.Shared;
        _strategies = RoutingStrategies.Create(strategies);
    }

    public Task<IReadOnlyList<ConfigError>> LoadAsync(RoutingConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = RoutingConfigValidator.Validate(config, new HashSet<string>(_strategies.Keys, StringComparer.Ordinal));
        if (errors.Count > 0)
        {
            return Task.FromResult(errors);
        }

        lock (_gate)
        {
            _rnaLimit = config.RingNoAnswerLimit;
            foreach (var s in config.Skills)
            {
                _skills.Add(s);
                if (!_available.ContainsKey(s))
                {
                    _available[s] = new SortedSet<AgentRec>(IdleOrder);
                }
            }

            foreach (var q in config.Queues)
            {
                if (_queues.TryGetValue(q.Name, out var existing))
                {
                    existing.Config = q;
                    existing.Agents.Clear();
                }
                else
                {
                    _queues[q.Name] = new QueueRec(q);
                }
            }

            foreach (var a in config.Agents)
            {
                if (!_agents.TryGetValue(a.Id, out var agent))
                {
                    agent = new AgentRec(a.Id) { SinceMs = NowMs(), IdleSinceMs = NowMs() };
                    _agents[a.Id] = agent;
                }

                var wasAvailable = agent.State == AgentState.Available;
                if (wasAvailable)
                {
                    RemoveAvailable(agent);
                }

                agent.Skills = new Dictionary<string, int>(a.Skills, StringComparer.Ordinal);
                if (wasAvailable)
                {
                    AddAvailable(agent);
                }
            }

            foreach (var q in _queues.Values)
            {
                q.Agents.Clear();
            }

            foreach (var agent in _agents.Values)
            {
                agent.Queues = _queues.Values.Where(q => QueueServes(q.Config, agent.Skills))
                    .Select(q => q.Config.Name).Order(StringComparer.Ordinal).ToArray();
                foreach (var qn in agent.Queues)
                {
                    _queues[qn].Agents.Add(agent);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<ConfigError>>([]);
    }

    /// <summary>An agent serves a queue when it has every skill the queue requires, at any level.</summary>
    public static bool QueueServes(QueueConfig queue, IReadOnlyDictionary<string, int> skills) =>
        queue.Skills.All(r => skills.ContainsKey(r.Skill));

    public Task<RoutingResult> SetAgentStateAsync(string agentId, AgentState state, string? reason = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = NowMs();
            if (!_agents.TryGetValue(agentId, out var agent))
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.UnknownAgent, $"unknown agent '{agentId}'"));
            }

            if (!AgentTransitions.TryValidateManual(agent.State, state, out var why))
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.IllegalTransition, why!));
            }

            var events = new List<RoutingEvent>();
            if (agent.State == AgentState.WrapUp)
            {
                CancelDue("w|" + agent.Id);
            }

            if (agent.State == state && state != AgentState.Paused)
            {
                return Task.FromResult(RoutingResult.Empty);
            }

            SetState(agent, state, state == AgentState.Paused ? (string.IsNullOrEmpty(reason) ? "paused" : reason) : null, now, events);
            if (state == AgentState.Available)
            {
                agent.Rna = 0;
                MatchAgent(agent, now, events);
            }

            return Done(events);
        }
    }

    public Task<RoutingResult> EnqueueAsync(CallRequest call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_gate)
        {
            var now = NowMs();
            if (!_queues.TryGetValue(call.Queue, out var queue))
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.UnknownQueue, $"unknown queue '{call.Queue}'"));
            }

            if (_calls.ContainsKey(call.CallId))
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.DuplicateCall, $"call '{call.CallId}' is already queued"));
            }

            var invalid = RoutingConfigValidator.ValidateCall(call, _skills);
            if (invalid is not null)
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.InvalidRequest, invalid));
            }

            if (queue.Config.MaxLength > 0 && queue.Waiting.Count >= queue.Config.MaxLength)
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.QueueFull, $"queue '{call.Queue}' is full ({queue.Config.MaxLength} calls)"));
            }

            var rec = new CallRec(call.CallId)
            {
                Queue = queue.Config.Name,
                Priority = call.Priority ?? queue.Config.Priority,
                EnqueuedMs = call.Arrived is { } arrived ? Math.Min(now, arrived.ToUnixTimeMilliseconds()) : now,
                MaxWaitFromMs = now,
                Seq = ++_seq,
                Extra = call.ExtraSkills.ToArray(),
                Node = call.Node,
            };
            _calls[rec.Id] = rec;
            if (!_nodeCalls.TryGetValue(rec.Node, out var set))
            {
                _nodeCalls[rec.Node] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(rec.Id);
            var events = new List<RoutingEvent>();
            EnterQueue(rec, queue, now, events);
            return Done(events);
        }
    }

    public Task<RoutingResult> AbandonAsync(string callId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = NowMs();
            if (!_calls.TryGetValue(callId, out var call) || call.State == CallState.Talking)
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.UnknownCall, $"call '{callId}' is not waiting or ringing"));
            }

            var queue = _queues[call.Queue];
            var events = new List<RoutingEvent>();
            var wait = now - call.EnqueuedMs;
            queue.Abandoned++;
            if (wait < (long)queue.Config.ShortAbandonThreshold.TotalMilliseconds)
            {
                queue.ShortAbandoned++;
            }

            events.Add(new RoutingEvent(RoutingEventKind.Abandoned, now, call.Queue, call.Id, call.Agent, WaitMs: wait));
            AgentRec? agent = null;
            if (call.State == CallState.Waiting)
            {
                queue.Waiting.Remove(call);
                CancelDue("e|" + call.Id);
                CancelDue("m|" + call.Id);
            }
            else
            {
                CancelDue("r|" + call.Id);
                agent = _agents[call.Agent!];
            }

            DeleteCall(call);
            if (agent is not null)
            {
                agent.CallId = null;
                SetState(agent, AgentState.Available, null, now, events);
                MatchAgent(agent, now, events);
            }

            return Done(events);
        }
    }

    public Task<RoutingResult> CompleteReservationAsync(string callId, string agentId, ReservationOutcome outcome, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = NowMs();
            if (!_calls.TryGetValue(callId, out var call) || call.State != CallState.Offered || call.Agent != agentId || call.Lost)
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.NotReserved, $"agent '{agentId}' holds no reservation for call '{callId}'"));
            }

            var events = new List<RoutingEvent>();
            Complete(call, _agents[agentId], outcome, now, events);
            return Done(events);
        }
    }

    public Task<RoutingResult> EndCallAsync(string agentId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = NowMs();
            if (!_agents.TryGetValue(agentId, out var agent))
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.UnknownAgent, $"unknown agent '{agentId}'"));
            }

            if (agent.State != AgentState.OnCall || agent.CallId is null)
            {
                return Task.FromResult(RoutingResult.Fail(RoutingError.IllegalTransition, $"agent '{agentId}' is {agent.State}, not on a call"));
            }

            var events = new List<RoutingEvent>();
            EndCall(agent, now, null, events);
            return Done(events);
        }
    }

    public Task<RoutingResult> ProcessDueAsync(int maxItems = 256, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = NowMs();
            var events = new List<RoutingEvent>();
            ReapNodes(now, events);
            var processed = 0;
            while (processed < maxItems && _due.TryPeek(out var key, out var prio) && prio.Due <= now)
            {
                _due.Dequeue();
                if (!_dueLive.TryGetValue(key, out var live) || live != prio.Due)
                {
                    continue;
                }

                _dueLive.Remove(key);
                processed++;
                RunDue(key, now, events);
            }

            return Done(events);
        }
    }

    public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            long? next = null;
            while (_due.TryPeek(out var key, out var prio))
            {
                if (_dueLive.TryGetValue(key, out var live) && live == prio.Due)
                {
                    next = prio.Due;
                    break;
                }

                _due.Dequeue();
            }

            foreach (var expiry in _nodes.Values)
            {
                if (next is null || expiry < next)
                {
                    next = expiry;
                }
            }

            return Task.FromResult(next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null);
        }
    }

    public Task HeartbeatAsync(string node, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _nodes[node] = NowMs() + (long)ttl.TotalMilliseconds;
        }

        return Task.CompletedTask;
    }

    public Task<CallPosition?> GetCallPositionAsync(string callId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_calls.TryGetValue(callId, out var call))
            {
                return Task.FromResult<CallPosition?>(null);
            }

            var queue = _queues[call.Queue];
            var position = 0;
            if (call.State == CallState.Waiting)
            {
                foreach (var c in queue.Waiting)
                {
                    position++;
                    if (ReferenceEquals(c, call))
                    {
                        break;
                    }
                }
            }

            var (staffed, available, effective) = Staffing(queue);
            return Task.FromResult<CallPosition?>(new CallPosition(
                call.Id, call.Queue, call.State == CallState.Waiting, position, queue.Waiting.Count, staffed, available,
                effective, Aht(queue), call.EnqueuedMs, call.Agent));
        }
    }

    public Task<QueueSnapshot?> GetQueueSnapshotAsync(string queue, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var q))
            {
                return Task.FromResult<QueueSnapshot?>(null);
            }

            var now = NowMs();
            long longest = 0;
            foreach (var c in q.Waiting)
            {
                longest = Math.Max(longest, now - c.EnqueuedMs);
            }

            var byState = new Dictionary<AgentState, int>();
            foreach (var s in Enum.GetValues<AgentState>())
            {
                byState[s] = 0;
            }

            foreach (var a in q.Agents)
            {
                byState[a.State]++;
            }

            return Task.FromResult<QueueSnapshot?>(new QueueSnapshot
            {
                Queue = q.Config.Name,
                Offered = q.Offered,
                Answered = q.Answered,
                Abandoned = q.Abandoned,
                ShortAbandoned = q.ShortAbandoned,
                AnsweredWithinServiceLevel = q.WithinSl,
                Transferred = q.Transferred,
                LostByFailure = q.Lost,
                WaitSumMs = q.WaitSumMs,
                HandleSumMs = q.HandleSumMs,
                Handled = q.Handled,
                Waiting = q.Waiting.Count,
                LongestWaitMs = longest,
                AverageHandleMs = Aht(q),
                AgentsByState = byState,
                EffectiveStaff = Staffing(q).Effective,
            });
        }
    }

    public Task<AgentSnapshot?> GetAgentAsync(string agentId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_agents.TryGetValue(agentId, out var a))
            {
                return Task.FromResult<AgentSnapshot?>(null);
            }

            var day = NowMs() / 86_400_000;
            return Task.FromResult<AgentSnapshot?>(new AgentSnapshot(
                a.Id, a.State, a.Reason, a.SinceMs, a.CallId, a.Rna, a.Day == day ? a.CallsToday : 0, a.Day == day ? a.TalkMsToday : 0));
        }
    }

    private static Task<RoutingResult> Done(List<RoutingEvent> events) =>
        Task.FromResult(events.Count == 0 ? RoutingResult.Empty : new RoutingResult(RoutingError.None, null, events));

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static double Aht(QueueRec q) => q.AhtMs > 0 ? q.AhtMs : q.Config.InitialHandleTime.TotalMilliseconds;

    private static (int Staffed, int Available, double Effective) Staffing(QueueRec q)
    {
        int staffed = 0, available = 0;
        double effective = 0;
        foreach (var a in q.Agents)
        {
            if (a.State is not (AgentState.LoggedOut or AgentState.Paused))
            {
                staffed++;
                effective += 1.0 / a.Queues.Length;
            }

            if (a.State == AgentState.Available)
            {
                available++;
            }
        }

        return (staffed, available, effective);
    }

    /// <summary>The call enters (or re-enters) <paramref name="queue"/> at <paramref name="now"/>: escalation restarts there.</summary>
    private void EnterQueue(CallRec call, QueueRec queue, long now, List<RoutingEvent> events)
    {
        call.Queue = queue.Config.Name;
        call.QueueEnteredMs = now;
        call.Step = -1;
        call.Cap = NoCap;
        call.Requirements = Requirements(queue.Config, call.Extra);
        queue.Offered++;
        events.Add(new RoutingEvent(RoutingEventKind.Enqueued, now, call.Queue, call.Id, null));
        var steps = queue.Config.Escalation;
        while (call.Step + 1 < steps.Count && steps[call.Step + 1].After <= TimeSpan.Zero && steps[call.Step + 1].Action == EscalationAction.Relax)
        {
            call.Step++;
            call.Cap = Math.Min(call.Cap, steps[call.Step].MinLevel);
        }

        Wait(call, queue, now, events);
    }

    /// <summary>Offers the call to a free agent, or puts it in the waiting set with its due items.</summary>
    private void Wait(CallRec call, QueueRec queue, long now, List<RoutingEvent> events, string? exclude = null)
    {
        call.State = CallState.Waiting;
        call.Agent = null;
        var agent = FindAgent(call, queue, exclude);
        if (agent is not null)
        {
            Reserve(agent, call, queue, now, events);
            return;
        }

        queue.Waiting.Add(call);
        ScheduleCallDue(call, queue);
    }

    private void ScheduleCallDue(CallRec call, QueueRec queue)
    {
        var steps = queue.Config.Escalation;
        if (call.Step + 1 < steps.Count)
        {
            SetDue("e|" + call.Id, call.QueueEnteredMs + (long)steps[call.Step + 1].After.TotalMilliseconds);
        }

        if (queue.Config.MaxWait > TimeSpan.Zero)
        {
            SetDue("m|" + call.Id, call.MaxWaitFromMs + (long)queue.Config.MaxWait.TotalMilliseconds);
        }
    }

    internal static SkillRequirement[] Requirements(QueueConfig queue, SkillRequirement[] extra)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in queue.Skills.Concat(extra))
        {
            map[r.Skill] = map.TryGetValue(r.Skill, out var l) ? Math.Max(l, r.MinLevel) : r.MinLevel;
        }

        return map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new SkillRequirement(p.Key, p.Value)).ToArray();
    }

    private static bool Eligible(AgentRec agent, CallRec call)
    {
        foreach (var r in call.Requirements)
        {
            if (!agent.Skills.TryGetValue(r.Skill, out var level) || level < Math.Min(r.MinLevel, call.Cap))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Call-arrival direction: scan the smallest per-skill available set in idle order, filter, then ask the strategy.</summary>
    private AgentRec? FindAgent(CallRec call, QueueRec queue, string? exclude)
    {
        SortedSet<AgentRec>? smallest = null;
        foreach (var r in call.Requirements)
        {
            var set = _available[r.Skill];
            if (smallest is null || set.Count < smallest.Count)
            {
                smallest = set;
            }
        }

        if (smallest is null || smallest.Count == 0)
        {
            return null;
        }

        var strategy = _strategies[queue.Config.Strategy];
        var day = NowMs() / 86_400_000;
        var n = 0;
        foreach (var agent in smallest)
        {
            if (agent.Id == exclude || !Eligible(agent, call))
            {
                continue;
            }

            if (strategy.FirstCandidateWins)
            {
                return agent;
            }

            if (n == _candidates.Length)
            {
                Array.Resize(ref _candidates, n * 2);
                Array.Resize(ref _candidateAgents, n * 2);
            }

            var sum = 0;
            foreach (var r in call.Requirements)
            {
                sum += agent.Skills[r.Skill];
            }

            _candidates[n] = new AgentCandidate(agent.Id, agent.IdleSinceMs, sum, agent.Day == day ? agent.CallsToday : 0, agent.Day == day ? agent.TalkMsToday : 0);
            _candidateAgents[n++] = agent;
        }

        if (n == 0)
        {
            return null;
        }

        var index = strategy.Select(_candidates.AsSpan(0, n), new StrategyContext(queue.Config.Name, queue.RoundRobinLast, _random.NextDouble()));
        return index >= 0 && index < n ? _candidateAgents[index] : null;
    }

    /// <summary>
    /// Agent-free direction: over the agent's queues, the first eligible call among the first <see cref="HeadScanLimit"/>
    /// of each; highest priority wins, then the longest wait multiplied by the queue's weight, then the queue name.
    /// </summary>
    private void MatchAgent(AgentRec agent, long now, List<RoutingEvent> events)
    {
        if (agent.State != AgentState.Available)
        {
            return;
        }

        CallRec? best = null;
        QueueRec? bestQueue = null;
        double bestScore = 0;
        foreach (var qn in agent.Queues)
        {
            var queue = _queues[qn];
            var scanned = 0;
            foreach (var call in queue.Waiting)
            {
                if (++scanned > HeadScanLimit)
                {
                    break;
                }

                if (!Eligible(agent, call))
                {
                    continue;
                }

                var score = (now - call.EnqueuedMs) * queue.Config.Weight;
                if (best is null || call.Priority > best.Priority || (call.Priority == best.Priority && score > bestScore))
                {
                    best = call;
                    bestQueue = queue;
                    bestScore = score;
                }

                break;
            }
        }

        if (best is not null)
        {
            bestQueue!.Waiting.Remove(best);
            CancelDue("e|" + best.Id);
            CancelDue("m|" + best.Id);
            Reserve(agent, best, bestQueue, now, events);
        }
    }

    private void Reserve(AgentRec agent, CallRec call, QueueRec queue, long now, List<RoutingEvent> events)
    {
        call.State = CallState.Offered;
        call.Agent = agent.Id;
        agent.CallId = call.Id;
        SetState(agent, AgentState.Reserved, null, now, events);
        if (queue.Config.Strategy == RoutingStrategies.RoundRobin)
        {
            queue.RoundRobinLast = agent.Id;
        }

        SetDue("r|" + call.Id, now + (long)queue.Config.RingTimeout.TotalMilliseconds);
        events.Add(new RoutingEvent(RoutingEventKind.Offered, now, call.Queue, call.Id, agent.Id, AgentState.Reserved, WaitMs: now - call.EnqueuedMs));
    }

    private void Complete(CallRec call, AgentRec agent, ReservationOutcome outcome, long now, List<RoutingEvent> events)
    {
        var queue = _queues[call.Queue];
        CancelDue("r|" + call.Id);
        if (outcome == ReservationOutcome.Accepted)
        {
            var wait = now - call.EnqueuedMs;
            call.State = CallState.Talking;
            call.AnsweredMs = now;
            agent.Rna = 0;
            var day = now / 86_400_000;
            if (agent.Day != day)
            {
                agent.Day = day;
                agent.CallsToday = 0;
                agent.TalkMsToday = 0;
            }

            agent.CallsToday++;
            queue.Answered++;
            queue.WaitSumMs += wait;
            if (wait <= (long)queue.Config.ServiceLevelThreshold.TotalMilliseconds)
            {
                queue.WithinSl++;
            }

            events.Add(new RoutingEvent(RoutingEventKind.Answered, now, call.Queue, call.Id, agent.Id, AgentState.OnCall, WaitMs: wait));
            SetState(agent, AgentState.OnCall, null, now, events);
            return;
        }

        var reason = outcome switch
        {
            ReservationOutcome.Rejected => RoutingReasons.Rejected,
            ReservationOutcome.TimedOut => RoutingReasons.TimedOut,
            _ => RoutingReasons.RingNoAnswer,
        };
        agent.CallId = null;
        if (outcome != ReservationOutcome.Rejected)
        {
            agent.Rna++;
        }

        if (agent.Rna >= _rnaLimit)
        {
            SetState(agent, AgentState.Paused, RoutingReasons.RingNoAnswer, now, events);
        }
        else
        {
            SetState(agent, AgentState.Available, null, now, events);
        }

        events.Add(new RoutingEvent(RoutingEventKind.Requeued, now, call.Queue, call.Id, agent.Id, WaitMs: now - call.EnqueuedMs, Detail: reason));
        Wait(call, queue, now, events, exclude: agent.Id);
        MatchAgent(agent, now, events);
    }

    private void EndCall(AgentRec agent, long now, string? detail, List<RoutingEvent> events)
    {
        var call = _calls[agent.CallId!];
        var queue = _queues[call.Queue];
        var handle = now - call.AnsweredMs;
        queue.Handled++;
        queue.HandleSumMs += handle;
        var wrap = (long)queue.Config.WrapUp.TotalMilliseconds;
        var previous = Aht(queue);
        queue.AhtMs = Math.Floor(previous + (0.2 * (handle + wrap - previous)) + 0.5);
        var day = now / 86_400_000;
        if (agent.Day != day)
        {
            agent.Day = day;
            agent.CallsToday = 0;
            agent.TalkMsToday = 0;
        }

        agent.TalkMsToday += handle;
        events.Add(new RoutingEvent(RoutingEventKind.Ended, now, call.Queue, call.Id, agent.Id, HandleMs: handle, Detail: detail));
        DeleteCall(call);
        agent.CallId = null;
        if (wrap > 0)
        {
            SetState(agent, AgentState.WrapUp, null, now, events);
            SetDue("w|" + agent.Id, now + wrap);
        }
        else
        {
            SetState(agent, AgentState.Available, null, now, events);
            MatchAgent(agent, now, events);
        }
    }

    private void RunDue(string key, long now, List<RoutingEvent> events)
    {
        var id = key[2..];
        switch (key[0])
        {
            case 'r' when _calls.TryGetValue(id, out var call) && call.State == CallState.Offered:
                var agent = _agents[call.Agent!];
                if (call.Lost)
                {
                    DeleteCall(call);
                    agent.CallId = null;
                    SetState(agent, AgentState.Available, null, now, events);
                    MatchAgent(agent, now, events);
                }
                else
                {
                    Complete(call, agent, ReservationOutcome.TimedOut, now, events);
                }

                break;
            case 'e' when _calls.TryGetValue(id, out var call) && call.State == CallState.Waiting:
                Escalate(call, now, events);
                break;
            case 'm' when _calls.TryGetValue(id, out var call) && call.State == CallState.Waiting:
                var q = _queues[call.Queue];
                q.Waiting.Remove(call);
                CancelDue("e|" + call.Id);
                q.Transferred++;
                events.Add(new RoutingEvent(RoutingEventKind.Transferred, now, call.Queue, call.Id, null, WaitMs: now - call.EnqueuedMs, Detail: RoutingReasons.MaxWait));
                DeleteCall(call);
                break;
            case 'w' when _agents.TryGetValue(id, out var a) && a.State == AgentState.WrapUp:
                SetState(a, AgentState.Available, null, now, events);
                MatchAgent(a, now, events);
                break;
            default:
                break;
        }
    }

    private void Escalate(CallRec call, long now, List<RoutingEvent> events)
    {
        var queue = _queues[call.Queue];
        var step = queue.Config.Escalation[++call.Step];
        switch (step.Action)
        {
            case EscalationAction.Relax:
                call.Cap = Math.Min(call.Cap, step.MinLevel);
                queue.Waiting.Remove(call);
                Wait(call, queue, now, events);
                break;
            case EscalationAction.Overflow:
                queue.Waiting.Remove(call);
                CancelDue("m|" + call.Id);
                queue.Transferred++;
                events.Add(new RoutingEvent(RoutingEventKind.Transferred, now, call.Queue, call.Id, null, WaitMs: now - call.EnqueuedMs, Detail: step.Target));
                EnterQueue(call, _queues[step.Target!], now, events);
                break;
            default:
                queue.Waiting.Remove(call);
                CancelDue("m|" + call.Id);
                queue.Transferred++;
                events.Add(new RoutingEvent(RoutingEventKind.Transferred, now, call.Queue, call.Id, null, WaitMs: now - call.EnqueuedMs,
                    Detail: step.Action == EscalationAction.Voicemail ? RoutingReasons.Voicemail : RoutingReasons.Callback));
                DeleteCall(call);
                break;
        }
    }

    private void ReapNodes(long now, List<RoutingEvent> events)
    {
        List<string>? dead = null;
        foreach (var (node, expiry) in _nodes)
        {
            if (expiry <= now)
            {
                (dead ??= []).Add(node);
            }
        }

        if (dead is null)
        {
            return;
        }

        dead.Sort(StringComparer.Ordinal);
        foreach (var node in dead)
        {
            _nodes.Remove(node);
            if (!_nodeCalls.Remove(node, out var calls))
            {
                continue;
            }

            foreach (var id in calls.Order(StringComparer.Ordinal))
            {
                var call = _calls[id];
                var queue = _queues[call.Queue];
                switch (call.State)
                {
                    case CallState.Waiting:
                        queue.Waiting.Remove(call);
                        CancelDue("e|" + id);
                        CancelDue("m|" + id);
                        queue.Lost++;
                        events.Add(new RoutingEvent(RoutingEventKind.Lost, now, call.Queue, id, null, WaitMs: now - call.EnqueuedMs, Detail: node));
                        _calls.Remove(id);
                        break;
                    case CallState.Offered:
                        queue.Lost++;
                        call.Lost = true;
                        events.Add(new RoutingEvent(RoutingEventKind.Lost, now, call.Queue, id, call.Agent, WaitMs: now - call.EnqueuedMs, Detail: node));
                        break;
                    default:
                        EndCall(_agents[call.Agent!], now, RoutingReasons.NodeLost, events);
                        break;
                }
            }
        }
    }

    private void DeleteCall(CallRec call)
    {
        _calls.Remove(call.Id);
        if (_nodeCalls.TryGetValue(call.Node, out var set))
        {
            set.Remove(call.Id);
        }
    }

    private void SetState(AgentRec agent, AgentState state, string? reason, long now, List<RoutingEvent> events)
    {
        if (agent.State == AgentState.Available)
        {
            RemoveAvailable(agent);
        }

        agent.State = state;
        agent.Reason = reason;
        agent.SinceMs = now;
        if (state == AgentState.Available)
        {
            agent.IdleSinceMs = now;
            AddAvailable(agent);
        }

        events.Add(new RoutingEvent(RoutingEventKind.AgentStateChanged, now, null, agent.CallId, agent.Id, state, Detail: reason));
    }

    private void AddAvailable(AgentRec agent)
    {
        foreach (var skill in agent.Skills.Keys)
        {
            _available[skill].Add(agent);
        }
    }

    private void RemoveAvailable(AgentRec agent)
    {
        foreach (var skill in agent.Skills.Keys)
        {
            _available[skill].Remove(agent);
        }
    }

    private void SetDue(string key, long due)
    {
        _dueLive[key] = due;
        _due.Enqueue(key, (due, key));
    }

    private void CancelDue(string key) => _dueLive.Remove(key);

    private enum CallState
    {
        Waiting,
        Offered,
        Talking,
    }

    private sealed class QueueRec(QueueConfig config)
    {
        public QueueConfig Config { get; set; } = config;

        public SortedSet<CallRec> Waiting { get; } = new(QueueOrder);

        public List<AgentRec> Agents { get; } = [];

        public string? RoundRobinLast { get; set; }

        public double AhtMs { get; set; }

        public long Offered { get; set; }

        public long Answered { get; set; }

        public long Abandoned { get; set; }

        public long ShortAbandoned { get; set; }

        public long WithinSl { get; set; }

        public long Transferred { get; set; }

        public long Lost { get; set; }

        public long WaitSumMs { get; set; }

        public long HandleSumMs { get; set; }

        public long Handled { get; set; }
    }

    private sealed class AgentRec(string id)
    {
        public string Id { get; } = id;

        public Dictionary<string, int> Skills { get; set; } = new(StringComparer.Ordinal);

        public string[] Queues { get; set; } = [];

        public AgentState State { get; set; }

        public string? Reason { get; set; }

        public long SinceMs { get; set; }

        public long IdleSinceMs { get; set; }

        public string? CallId { get; set; }

        public int Rna { get; set; }

        public long Day { get; set; }

        public int CallsToday { get; set; }

        public long TalkMsToday { get; set; }
    }

    private sealed class CallRec(string id)
    {
        public string Id { get; } = id;

        public string Queue { get; set; } = "";

        public int Priority { get; set; }

        public long EnqueuedMs { get; set; }

        /// <summary>When the max wait starts counting (the enqueue; <see cref="EnqueuedMs"/> can be an earlier arrival).</summary>
        public long MaxWaitFromMs { get; set; }

        public long QueueEnteredMs { get; set; }

        public long Seq { get; set; }

        public SkillRequirement[] Extra { get; set; } = [];

        public SkillRequirement[] Requirements { get; set; } = [];

        public int Cap { get; set; } = NoCap;

        public int Step { get; set; } = -1;

        public string Node { get; set; } = "";

        public CallState State { get; set; }

        public string? Agent { get; set; }

        public long AnsweredMs { get; set; }

        public bool Lost { get; set; }
    }
}
