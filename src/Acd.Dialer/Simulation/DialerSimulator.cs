using System.Globalization;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Pacing;

namespace Acd.Dialer.Simulation;

/// <summary>The world a simulation runs in: agents, callee behaviour, time distributions.</summary>
public sealed record SimulationOptions
{
    public int Agents { get; init; } = 50;

    /// <summary>Share of dials a live person answers.</summary>
    public double HumanAnswerRate { get; init; } = 0.30;

    /// <summary>Share of dials an answering machine answers.</summary>
    public double MachineRate { get; init; } = 0.15;

    /// <summary>Share of dials that are busy (the rest ring out).</summary>
    public double BusyRate { get; init; } = 0.10;

    /// <summary>Time to answer, uniform in [min, max] seconds.</summary>
    public double RingMinSeconds { get; init; } = 4;

    public double RingMaxSeconds { get; init; } = 16;

    /// <summary>Mean handle time (talk plus wrap-up), log-normal with <see cref="HandleSigma"/>.</summary>
    public double HandleMeanSeconds { get; init; } = 180;

    public double HandleSigma { get; init; } = 0.5;

    /// <summary>AMD verdict time after answer for people and machines.</summary>
    public double AmdHumanSeconds { get; init; } = 1.2;

    public double AmdMachineSeconds { get; init; } = 1.6;

    public double BusySeconds { get; init; } = 3;

    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Pacing decisions per second of simulated time.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int Seed { get; init; } = 1;
}

/// <summary>Abandon figures of one slice of the run.</summary>
public sealed record WindowFigures(TimeSpan Start, TimeSpan End, long LiveAnswered, long Abandoned)
{
    public double Ratio => LiveAnswered == 0 ? 0 : (double)Abandoned / LiveAnswered;
}

/// <summary>What a simulated run measured.</summary>
public sealed record SimulationResult(
    string Mode,
    long Dials,
    long LiveAnswered,
    long Abandoned,
    long Machines,
    double Occupancy,
    double ConnectsPerAgentHour,
    double MeanAgentIdleSeconds,
    double MeanDialLevel,
    IReadOnlyList<WindowFigures> Hours,
    WindowFigures Regulatory)
{
    public double AbandonRatio => LiveAnswered == 0 ? 0 : (double)Abandoned / LiveAnswered;

    public double WorstHourRatio => Hours.Count == 0 ? 0 : Hours.Max(h => h.Ratio);
}

/// <summary>
/// Discrete-event simulation of one campaign on virtual time, driving the real pacing policy, pacing statistics
/// and abandon tracker: lines ring and resolve (person, machine, busy, ring-out), people pass AMD and then need an
/// agent within the 2-second rule or are abandoned, agents handle calls for a log-normal time. Deterministic for a
/// seed.
/// </summary>
public sealed class DialerSimulator
{
    private readonly SimulationOptions _options;
    private readonly CampaignConfig _campaign;
    private readonly IPacingPolicy _policy;
    private readonly Random _random;
    private readonly PriorityQueue<Event, (double, long)> _events = new();
    private readonly PacingStatistics _stats;
    private readonly AbandonRateTracker _tracker;
    private readonly DateTimeOffset _epoch = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly double[] _busySince;
    private readonly Queue<int> _freeAgents = new();
    private readonly Queue<(long Id, double Deadline)> _waiting = new();
    private readonly HashSet<long> _abandonedIds = [];
    private readonly long[] _hourLive;
    private readonly long[] _hourAbandoned;
    private readonly double[] _freeSince;
    private long _sequence;
    private long _nextCall;
    private int _inProgress;
    private int _inAmd;
    private long _dials, _live, _abandoned, _machines, _connects;
    private double _handleSeconds, _idleSeconds, _levelSum;
    private long _idleCount, _levelCount;

    public DialerSimulator(SimulationOptions options, CampaignConfig campaign, IPacingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(campaign);
        _options = options;
        _campaign = campaign;
        _policy = policy;
        _random = new Random(options.Seed);
        _stats = new PacingStatistics(TimeSpan.FromSeconds(options.HandleMeanSeconds), TimeSpan.FromSeconds((options.RingMinSeconds + options.RingMaxSeconds) / 2));
        _tracker = new AbandonRateTracker(campaign.AbandonWindow);
        _busySince = new double[options.Agents];
        _freeSince = new double[options.Agents];
        var hours = (int)Math.Ceiling(options.Duration.TotalHours);
        _hourLive = new long[hours];
        _hourAbandoned = new long[hours];
        for (var a = 0; a < options.Agents; a++)
        {
            _freeAgents.Enqueue(a);
            _busySince[a] = -1;
        }
    }

    private enum Kind
    {
        Tick,
        Resolved,
        HumanReady,
        Deadline,
        AgentFree,
        MachineDone,
    }

    public SimulationResult Run()
    {
        var end = _options.Duration.TotalSeconds;
        Schedule(0, new Event(Kind.Tick, 0, 0));
        while (_events.TryDequeue(out var e, out var key))
        {
            var now = key.Item1;
            if (now > end)
            {
                break;
            }

            switch (e.Kind)
            {
                case Kind.Tick:
                    Pace(now);
                    Schedule(now + _options.TickInterval.TotalSeconds, new Event(Kind.Tick, 0, 0));
                    break;
                case Kind.Resolved:
                    Resolve(now, e);
                    break;
                case Kind.HumanReady:
                    HumanReady(now, e.Call);
                    break;
                case Kind.Deadline:
                    Deadline(now, e.Call);
                    break;
                case Kind.AgentFree:
                    AgentFree(now, e.Agent);
                    break;
                case Kind.MachineDone:
                    _inAmd--;
                    break;
            }
        }

        var hours = new List<WindowFigures>();
        for (var h = 0; h < _hourLive.Length; h++)
        {
            hours.Add(new WindowFigures(TimeSpan.FromHours(h), TimeSpan.FromHours(h + 1), _hourLive[h], _hourAbandoned[h]));
        }

        var snapshot = _tracker.Snapshot(At(end));
        var agentHours = _options.Agents * _options.Duration.TotalHours;
        return new SimulationResult(
            _policy.Name,
            _dials,
            _live,
            _abandoned,
            _machines,
            _handleSeconds / (_options.Agents * end),
            _connects / agentHours,
            _idleCount == 0 ? 0 : _idleSeconds / _idleCount,
            _levelCount == 0 ? 0 : _levelSum / _levelCount,
            hours,
            new WindowFigures(TimeSpan.Zero, _options.Duration, snapshot.LiveAnswered, snapshot.Abandoned));
    }

    private void Pace(double now)
    {
        var busy = new List<TimeSpan>(_options.Agents);
        foreach (var since in _busySince)
        {
            if (since >= 0)
            {
                busy.Add(TimeSpan.FromSeconds(now - since));
            }
        }

        _stats.Advance(At(now));
        var decision = _policy.Decide(new PacingInput
        {
            Campaign = _campaign,
            FreeAgents = _freeAgents.Count,
            BusyAgentsElapsed = busy,
            LinesInProgress = _inProgress,
            AnsweredWaiting = _waiting.Count + _inAmd,
            Statistics = _stats,
            Abandons = _tracker.Snapshot(At(now)),
        });
        if (_freeAgents.Count > 0)
        {
            _levelSum += decision.DialLevel;
            _levelCount++;
        }

        for (var i = 0; i < decision.NewLines; i++)
        {
            Dial(now);
        }
    }

    private void Dial(double now)
    {
        _dials++;
        _inProgress++;
        var id = ++_nextCall;
        var u = _random.NextDouble();
        var ring = _options.RingMinSeconds + (_random.NextDouble() * (_options.RingMaxSeconds - _options.RingMinSeconds));
        if (u < _options.HumanAnswerRate)
        {
            Schedule(now + ring, new Event(Kind.Resolved, id, 0, Result: 0, Ring: ring, DialedAt: now));
        }
        else if (u < _options.HumanAnswerRate + _options.MachineRate)
        {
            Schedule(now + ring, new Event(Kind.Resolved, id, 0, Result: 1, Ring: ring, DialedAt: now));
        }
        else if (u < _options.HumanAnswerRate + _options.MachineRate + _options.BusyRate)
        {
            Schedule(now + _options.BusySeconds, new Event(Kind.Resolved, id, 0, Result: 2, Ring: 0, DialedAt: now));
        }
        else
        {
            Schedule(now + _campaign.RingTimeout.TotalSeconds, new Event(Kind.Resolved, id, 0, Result: 3, Ring: 0, DialedAt: now));
        }
    }

    private void Resolve(double now, Event e)
    {
        _inProgress--;
        switch (e.Result)
        {
            case 0:
                // Answered by a person: AMD first (counts toward the 2-second rule), then an agent or an abandon.
                // Until AMD decides, an answered call is neither ringing nor free: the pacer counts it as waiting.
                _inAmd++;
                Schedule(now + _options.AmdHumanSeconds, new Event(Kind.HumanReady, e.Call, 0));
                Schedule(now + (_campaign.ConnectDeadline - CampaignDialer.PlaybackMargin).TotalSeconds, new Event(Kind.Deadline, e.Call, 0));
                _stats.RecordDial(human: true, machine: false, TimeSpan.FromSeconds(e.Ring), At(e.DialedAt), Maturity);
                break;
            case 1:
                _machines++;
                _inAmd++;
                Schedule(now + _options.AmdMachineSeconds, new Event(Kind.MachineDone, e.Call, 0));
                _stats.RecordDial(human: false, machine: true, null, At(e.DialedAt), Maturity);
                break;
            default:
                _stats.RecordDial(human: false, machine: false, null, At(e.DialedAt), Maturity);
                break;
        }
    }

    private void HumanReady(double now, long call)
    {
        _inAmd--;
        if (_abandonedIds.Remove(call))
        {
            return;
        }

        if (_freeAgents.TryDequeue(out var agent))
        {
            Connect(now, call, agent);
            return;
        }

        _waiting.Enqueue((call, now));
    }

    private void Deadline(double now, long call)
    {
        // Still waiting for an agent (or AMD not done) at the deadline: abandoned, identification message plays.
        if (_connected.Remove(call))
        {
            return;
        }

        var stillWaiting = false;
        var count = _waiting.Count;
        for (var i = 0; i < count; i++)
        {
            var w = _waiting.Dequeue();
            if (w.Id == call)
            {
                stillWaiting = true;
            }
            else
            {
                _waiting.Enqueue(w);
            }
        }

        if (!stillWaiting)
        {
            _abandonedIds.Add(call); // AMD not finished by the deadline
        }

        _abandoned++;
        _live++;
        _tracker.RecordAbandoned(At(now));
        _stats.RecordLiveOutcome(abandoned: true);
        var hour = Math.Min(_hourLive.Length - 1, (int)(now / 3600));
        _hourLive[hour]++;
        _hourAbandoned[hour]++;
    }

    private readonly HashSet<long> _connected = [];

    private void Connect(double now, long call, int agent)
    {
        _connected.Add(call);
        _connects++;
        _live++;
        _tracker.RecordConnected(At(now));
        _stats.RecordLiveOutcome(abandoned: false);
        _hourLive[Math.Min(_hourLive.Length - 1, (int)(now / 3600))]++;
        _idleSeconds += now - _freeSince[agent];
        _idleCount++;
        var mu = Math.Log(_options.HandleMeanSeconds) - (_options.HandleSigma * _options.HandleSigma / 2);
        var handle = Math.Exp(mu + (_options.HandleSigma * Normal()));
        _busySince[agent] = now;
        _handleSeconds += Math.Min(handle, _options.Duration.TotalSeconds - now);
        Schedule(now + handle, new Event(Kind.AgentFree, call, agent, Ring: handle));
    }

    private void AgentFree(double now, int agent)
    {
        _stats.RecordHandle(TimeSpan.FromSeconds(now - _busySince[agent]));
        _busySince[agent] = -1;
        _freeSince[agent] = now;
        if (_waiting.TryDequeue(out var waiting))
        {
            Connect(now, waiting.Id, agent);
            return;
        }

        _freeAgents.Enqueue(agent);
    }

    private double Normal()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private DateTimeOffset At(double seconds) => _epoch.AddSeconds(seconds);

    private void Schedule(double at, Event e) => _events.Enqueue(e, (at, ++_sequence));

    private TimeSpan Maturity => _campaign.RingTimeout + TimeSpan.FromSeconds(1);

    private readonly record struct Event(Kind Kind, long Call, int Agent, int Result = 0, double Ring = 0, double DialedAt = 0);

    /// <summary>One line of a markdown table for <paramref name="result"/>.</summary>
    public static string Row(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {result.Mode} | {result.Dials} | {result.LiveAnswered} | {result.Abandoned} | {result.AbandonRatio:P2} | {result.WorstHourRatio:P2} | {result.Occupancy:P1} | {result.ConnectsPerAgentHour:F2} | {result.MeanAgentIdleSeconds:F1} | {result.MeanDialLevel:F2} |");
    }
}
