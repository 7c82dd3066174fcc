namespace Acd.Dialer.Pacing;

/// <summary>
/// Live estimates that feed the pacer: human-answer rate per dial, machine rate, time to answer, and the
/// distribution of agent handle times (talk plus wrap-up) from which agent release times are predicted. Uses the
/// most recent <see cref="Capacity"/> samples of each kind so the estimates follow the list and the hour. Before
/// data arrives, a prior that over-states the answer rate keeps the first minutes cautious. Single writer.
/// </summary>
public sealed class PacingStatistics
{
    public const int Capacity = 512;

    /// <summary>Live answers in the short-term abandon ratio that corrects the model's bias.</summary>
    public const int RecentLiveCapacity = 300;

    /// <summary>Live answers needed before the short-term ratio is trusted.</summary>
    public const int MinRecentLive = 100;

    /// <summary>Prior answer rate (pessimistic for abandons: assumes many answers) and its weight in dials.</summary>
    private const double PriorAnswerRate = 0.5;
    private const double PriorWeight = 20;
    /// <summary>
    /// Finished calls needed before their distribution is trusted: the first ones to finish are the short ones
    /// (censoring), so a small early sample makes agents look about to be free when they are not.
    /// </summary>
    private const int MinHandleSamples = 200;

    private readonly Ring _outcomes = new(Capacity);
    private readonly Ring _machines = new(Capacity);
    private readonly Ring _ringToAnswer = new(Capacity);
    private readonly Ring _handle = new(Capacity);
    private readonly Ring _recentLive = new(RecentLiveCapacity);
    private readonly PriorityQueue<(bool Human, bool Machine), DateTimeOffset> _maturing = new();
    private double[] _sortedHandle = [];
    private bool _handleDirty;

    public PacingStatistics(TimeSpan initialHandleTime, TimeSpan initialRingToAnswer)
    {
        InitialHandleTime = initialHandleTime;
        InitialRingToAnswer = initialRingToAnswer;
    }

    public TimeSpan InitialHandleTime { get; }

    public TimeSpan InitialRingToAnswer { get; }

    /// <summary>Dials whose outcome is known (in the sample window).</summary>
    public int Samples => _outcomes.Count;

    /// <summary>Probability that a dial reaches a live person (posterior mean with a cautious prior).</summary>
    public double HumanAnswerRate => (_outcomes.Sum + (PriorAnswerRate * PriorWeight)) / (_outcomes.Count + PriorWeight);

    public double MachineRate => _machines.Count == 0 ? 0 : _machines.Sum / _machines.Count;

    /// <summary>Mean time from dial to a live answer.</summary>
    public TimeSpan MeanRingToAnswer => _ringToAnswer.Count == 0 ? InitialRingToAnswer : TimeSpan.FromSeconds(_ringToAnswer.Sum / _ringToAnswer.Count);

    public TimeSpan MeanHandleTime => _handle.Count == 0 ? InitialHandleTime : TimeSpan.FromSeconds(_handle.Sum / _handle.Count);

    /// <summary>Abandon ratio over the last <see cref="RecentLiveCapacity"/> live answers; null before <see cref="MinRecentLive"/> of them.</summary>
    public double? RecentAbandonRatio => _recentLive.Count < MinRecentLive ? null : _recentLive.Sum / _recentLive.Count;

    /// <summary>A live answer was settled: connected to an agent, or abandoned.</summary>
    public void RecordLiveOutcome(bool abandoned) => _recentLive.Add(abandoned ? 1 : 0);

    /// <summary>
    /// A dial ended; its outcome joins the answer-rate estimate only once every dial of its cohort has ended
    /// (<paramref name="dialedAt"/> + <paramref name="maturity"/>, the ring timeout and a margin), see <see cref="Advance"/>.
    /// Counting outcomes as they arrive would over-weight the fast ones (busy, answers) while the dial rate
    /// rises and the slow ones (ring-outs) while it falls, and the pacer would over-dial after a burst.
    /// </summary>
    public void RecordDial(bool human, bool machine, TimeSpan? ringToAnswer, DateTimeOffset dialedAt, TimeSpan maturity)
    {
        _maturing.Enqueue((human, machine), dialedAt + maturity);
        if (human && ringToAnswer is { } ring)
        {
            _ringToAnswer.Add(ring.TotalSeconds);
        }
    }

    /// <summary>Moves matured outcomes (see <see cref="RecordDial(bool, bool, TimeSpan?, DateTimeOffset, TimeSpan)"/>) into the estimates.</summary>
    public void Advance(DateTimeOffset now)
    {
        while (_maturing.TryPeek(out var outcome, out var at) && at <= now)
        {
            _maturing.Dequeue();
            _outcomes.Add(outcome.Human ? 1 : 0);
            _machines.Add(outcome.Machine ? 1 : 0);
        }
    }

    /// <summary>A dial ended: <paramref name="human"/> when a live person answered (connected or abandoned).</summary>
    public void RecordDial(bool human, bool machine, TimeSpan? ringToAnswer)
    {
        _outcomes.Add(human ? 1 : 0);
        _machines.Add(machine ? 1 : 0);
        if (human && ringToAnswer is { } ring)
        {
            _ringToAnswer.Add(ring.TotalSeconds);
        }
    }

    /// <summary>An agent finished a call (talk plus wrap-up).</summary>
    public void RecordHandle(TimeSpan handle)
    {
        _handle.Add(Math.Max(0, handle.TotalSeconds));
        _handleDirty = true;
    }

    /// <summary>
    /// Probability that an agent busy for <paramref name="elapsed"/> is free within <paramref name="horizon"/>:
    /// P(T &lt;= e + h | T &gt; e) from the observed handle times, or an exponential with the initial mean before
    /// enough samples exist.
    /// </summary>
    public double ReleaseProbability(TimeSpan elapsed, TimeSpan horizon)
    {
        if (_handle.Count < MinHandleSamples)
        {
            // Cautious prior: nobody ends a call in its first half (calls are not memoryless at the start),
            // then exponential with the configured mean.
            var mean = Math.Max(1, InitialHandleTime.TotalSeconds);
            return elapsed.TotalSeconds + horizon.TotalSeconds < mean / 2 ? 0 : 1 - Math.Exp(-horizon.TotalSeconds / mean);
        }

        if (_handleDirty)
        {
            _sortedHandle = _handle.ToSortedArray();
            _handleDirty = false;
        }

        var e = elapsed.TotalSeconds;
        var survivors = _sortedHandle.Length - UpperBound(_sortedHandle, e);
        if (survivors == 0)
        {
            // Longer than any call seen: treat as memoryless with the observed mean.
            return 1 - Math.Exp(-horizon.TotalSeconds / Math.Max(1, MeanHandleTime.TotalSeconds));
        }

        var endBy = _sortedHandle.Length - UpperBound(_sortedHandle, e + horizon.TotalSeconds);
        return (double)(survivors - endBy) / survivors;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private sealed class Ring(int capacity)
    {
        private readonly double[] _items = new double[capacity];
        private int _next;

        public int Count { get; private set; }

        public double Sum { get; private set; }

        public void Add(double value)
        {
            if (Count == _items.Length)
            {
                Sum -= _items[_next];
            }
            else
            {
                Count++;
            }

            _items[_next] = value;
            Sum += value;
            _next = (_next + 1) % _items.Length;
        }

        public double[] ToSortedArray()
        {
            var copy = _items.AsSpan(0, Count).ToArray();
            Array.Sort(copy);
            return copy;
        }
    }
}
