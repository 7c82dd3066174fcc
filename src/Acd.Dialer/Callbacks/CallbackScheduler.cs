namespace Acd.Dialer.Callbacks;

/// <summary>How a callback was asked for.</summary>
public enum CallbackKind
{
    /// <summary>For a time agreed with the customer.</summary>
    Scheduled,

    /// <summary>An inbound caller chose "keep my place": called back when their place in the queue comes up.</summary>
    KeepMyPlace,
}

/// <summary>A callback to dial.</summary>
public sealed record CallbackRequest
{
    public required string Id { get; init; }

    /// <summary>Number to call, E.164.</summary>
    public required string E164 { get; init; }

    /// <summary>Queue whose agents take it.</summary>
    public required string Queue { get; init; }

    /// <summary>A named agent, or null for the queue's pool.</summary>
    public string? AgentId { get; init; }

    public required CallbackKind Kind { get; init; }

    /// <summary>Scheduled: when to call. Keep-my-place: when the caller joined the queue (their place).</summary>
    public required DateTimeOffset At { get; init; }

    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
}

/// <summary>A callback whose turn has come, with the routing priority that honours the caller's wait.</summary>
public sealed record DueCallback(CallbackRequest Request, int Priority, TimeSpan OriginalWait);

/// <summary>
/// Holds callbacks until their turn. A scheduled callback is due at its time. A keep-my-place callback is due when
/// no caller still waiting in its queue joined before it did: it keeps the place of the original call, so it
/// goes ahead of everyone who came later and behind everyone who came earlier. Due callbacks are dialed only
/// with an agent free (one per agent: no abandons), and enter routing at the highest priority so the time already
/// waited is not waited twice. Single writer.
/// </summary>
public sealed class CallbackScheduler
{
    public const int CallbackPriority = 9;

    private readonly List<CallbackRequest> _pending = [];

    public int Count => _pending.Count;

    /// <summary>The callbacks not yet due, in the order they were added.</summary>
    public IReadOnlyList<CallbackRequest> Pending => _pending;

    public void Add(CallbackRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _pending.Add(request);
    }

    public bool Cancel(string id) => _pending.RemoveAll(r => r.Id == id) > 0;

    /// <summary>
    /// Takes up to <paramref name="freeAgents"/> callbacks for <paramref name="queue"/> whose turn has come, oldest
    /// place first. <paramref name="oldestWaitingSince"/> is when the longest-waiting caller now in the queue
    /// joined (null when nobody waits); <paramref name="freeNamedAgents"/> are the free agents who may take a named callback.
    /// </summary>
    public IReadOnlyList<DueCallback> TakeDue(string queue, DateTimeOffset now, DateTimeOffset? oldestWaitingSince, int freeAgents, IReadOnlySet<string> freeNamedAgents)
    {
        ArgumentNullException.ThrowIfNull(freeNamedAgents);
        var due = new List<DueCallback>();
        if (freeAgents <= 0)
        {
            return due;
        }

        var candidates = _pending
            .Where(r => r.Queue == queue && IsDue(r, now, oldestWaitingSince) && (r.AgentId is null || freeNamedAgents.Contains(r.AgentId)))
            .OrderBy(r => r.At)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .Take(freeAgents)
            .ToList();
        foreach (var request in candidates)
        {
            _pending.Remove(request);
            var waited = request.Kind == CallbackKind.KeepMyPlace ? now - request.At : TimeSpan.Zero;
            due.Add(new DueCallback(request, CallbackPriority, waited));
        }

        return due;
    }

    private static bool IsDue(CallbackRequest request, DateTimeOffset now, DateTimeOffset? oldestWaitingSince) =>
        request.Kind == CallbackKind.Scheduled
            ? request.At <= now
            : oldestWaitingSince is null || request.At <= oldestWaitingSince;
}
