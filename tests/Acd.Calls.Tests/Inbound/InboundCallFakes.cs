using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Ivr.Runtime;
using Acd.Media;
using Acd.Media.Rtp;
using Acd.Media.Sdp;

namespace Acd.Calls.Tests.Inbound;

/// <summary>One call the actor made on <see cref="ICallQueues"/>, at <see cref="At"/> (virtual time).</summary>
internal sealed record QueueCall(string Method, string CallId, string? Agent = null, string? Queue = null, int? Priority = null, DateTimeOffset? Arrived = null)
{
    public DateTimeOffset At { get; init; }
}

/// <summary>Routing as the call sees it: records every call with its arguments; results, ring and wrap-up times configurable.</summary>
internal sealed class FakeQueues(TimeProvider time) : ICallQueues
{
    private readonly ConcurrentQueue<QueueCall> _calls = new();

    /// <summary>The answer to each operation by method name (<c>nameof(ICallQueues.AcceptAsync)</c>...); Ok when absent.</summary>
    public ConcurrentDictionary<string, QueueResult> Results { get; } = new(StringComparer.Ordinal);

    public QueuePlace? Place { get; set; } = new QueuePlace(3, TimeSpan.FromMinutes(2));

    public TimeSpan Ring { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan WrapUpTime { get; set; } = TimeSpan.FromSeconds(10);

    public HashSet<string> Queues { get; } = new(["support"], StringComparer.Ordinal);

    public IReadOnlyList<QueueCall> All => [.. _calls];

    public int Count(string method, string? agent = null) => _calls.Count(c => c.Method == method && (agent is null || c.Agent == agent));

    /// <summary>The (call, agent) pairs of every call of <paramref name="method"/>, in order.</summary>
    public IReadOnlyList<(string CallId, string? Agent)> Of(string method) => [.. _calls.Where(c => c.Method == method).Select(c => (c.CallId, c.Agent))];

    public Task<QueueResult> EnqueueAsync(string callId, string queue, int? priority, IReadOnlyList<string> skills, CancellationToken cancellationToken) =>
        Answer(new QueueCall(nameof(EnqueueAsync), callId, Queue: queue, Priority: priority));

    public Task<QueueResult> EnqueueAsync(string callId, string queue, int? priority, IReadOnlyList<string> skills, DateTimeOffset arrived, CancellationToken cancellationToken) =>
        Answer(new QueueCall(nameof(EnqueueAsync), callId, Queue: queue, Priority: priority, Arrived: arrived));

    public Task<QueueResult> AbandonAsync(string callId, CancellationToken cancellationToken) => Answer(new QueueCall(nameof(AbandonAsync), callId));

    public Task<QueueResult> AcceptAsync(string callId, string agentId, CancellationToken cancellationToken) => Answer(new QueueCall(nameof(AcceptAsync), callId, agentId));

    public Task<QueueResult> RejectAsync(string callId, string agentId, CancellationToken cancellationToken) => Answer(new QueueCall(nameof(RejectAsync), callId, agentId));

    public Task<QueueResult> RingNoAnswerAsync(string callId, string agentId, CancellationToken cancellationToken) => Answer(new QueueCall(nameof(RingNoAnswerAsync), callId, agentId));

    public Task<QueueResult> EndAsync(string callId, string agentId, CancellationToken cancellationToken) => Answer(new QueueCall(nameof(EndAsync), callId, agentId));

    public Task<QueuePlace?> GetPlaceAsync(string callId, CancellationToken cancellationToken)
    {
        _calls.Enqueue(new QueueCall(nameof(GetPlaceAsync), callId) { At = time.GetUtcNow() });
        return Task.FromResult(Place);
    }

    public TimeSpan RingTimeout(string queue) => Ring;

    public TimeSpan WrapUp(string queue) => WrapUpTime;

    public bool Exists(string queue) => Queues.Contains(queue);

    private Task<QueueResult> Answer(QueueCall call)
    {
        _calls.Enqueue(call with { At = time.GetUtcNow() });
        return Task.FromResult(Results.TryGetValue(call.Method, out var result) ? result : QueueResult.Ok);
    }
}

/// <summary>The location service: each agent's contacts (an agent absent here is not registered).</summary>
internal sealed class FakeAgents : IAgentDirectory
{
    public ConcurrentDictionary<string, IReadOnlyList<AgentContact>> Contacts { get; } = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<AgentContact>> FindAsync(string agentId, CancellationToken cancellationToken) =>
        Task.FromResult(Contacts.TryGetValue(agentId, out var contacts) ? contacts : (IReadOnlyList<AgentContact>)[]);

    public string? NameOf(string agentId) => null;
}

/// <summary>RTP sessions without sockets: a real <see cref="MediaLeg"/> over an <see cref="RtpSendStream"/>, nothing sent.</summary>
internal sealed class FakeMedia(IMeterFactory meters) : IMediaSessionFactory, IDisposable
{
    private readonly MediaMetrics _metrics = new(meters);
    private readonly ConcurrentQueue<Session> _sessions = new();
    private int _nextPort = 40000;

    public int Created => _sessions.Count;

    /// <summary>Whether every session the call opened was disposed.</summary>
    public bool AllDisposed => _sessions.All(s => s.Disposed);

    /// <summary>Whether two legs are bridged (a bridge makes itself both legs' forwarder once the call is set up).</summary>
    public bool Bridged => _sessions.Count(s => s.Leg.Forwarder is not null) == 2;

    /// <summary>The media legs the call opened, in order (caller, agents, supervisors).</summary>
    public IReadOnlyList<MediaLeg> Legs => [.. _sessions.Select(s => s.Leg)];

    public IMediaSession? Create(string name)
    {
        var port = Interlocked.Add(ref _nextPort, 2);
        var session = new Session(new MediaLeg(name, new RtpSendStream((uint)port, 1, 0), _metrics), port);
        _sessions.Enqueue(session);
        return session;
    }

    public void Dispose() => _metrics.Dispose();

    private sealed class Session(MediaLeg leg, int port) : IMediaSession
    {
        private int _disposed;

        public MediaLeg Leg => leg;

        public int LocalPort => port;

        public bool Disposed => Volatile.Read(ref _disposed) != 0;

        public void Apply(NegotiatedMedia media) => leg.Configure(media);

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _disposed, 1);
            leg.Stop();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Collects the records the service writes.</summary>
internal sealed class RecordCollector : ICallRecordSink
{
    private readonly ConcurrentQueue<CallRecord> _records = new();

    public IReadOnlyList<CallRecord> All => [.. _records];

    public void Write(CallRecord record) => _records.Enqueue(record);
}

/// <summary>Queue conditions for the IVR's branch and say nodes: always empty queues.</summary>
internal sealed class FakeQueueInfo : IIvrQueueInfo
{
    public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) => ValueTask.FromResult(new IvrQueueStatus(TimeSpan.Zero, 1, 0));
}

/// <summary>
/// Meters scoped to one test class instance: MetricCollectors of other classes that listen to the global (null) scope
/// bind to the first "Acd.Calls" instrument they find, which must not be one of ours.
/// </summary>
internal sealed class ScopedMeters : IMeterFactory
{
    private readonly ConcurrentBag<Meter> _created = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _created.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _created)
        {
            meter.Dispose();
        }
    }
}

/// <summary>Agents by extension (extension = agent id here).</summary>
internal sealed class FakeExtensions : Acd.Calls.Direct.IAgentExtensions
{
    public HashSet<string> Agents { get; } = new(StringComparer.Ordinal);

    public Acd.Calls.Direct.DirectCallAgent? FindByExtension(string extension) =>
        Agents.Contains(extension) ? new Acd.Calls.Direct.DirectCallAgent(extension, extension, null) : null;
}

/// <summary>Busy agents: the set of busy ones; marks and restores are recorded.</summary>
internal sealed class FakeBusy : Acd.Calls.Direct.IAgentBusy
{
    public HashSet<string> Busy { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Log { get; } = new();

    public Task<bool> IsBusyAsync(string agentId, CancellationToken cancellationToken) => Task.FromResult(Busy.Contains(agentId));

    public Task<object?> MarkBusyAsync(string agentId, CancellationToken cancellationToken)
    {
        Log.Enqueue("mark " + agentId);
        return Task.FromResult<object?>(agentId);
    }

    public Task RestoreAsync(string agentId, object? token, CancellationToken cancellationToken)
    {
        Log.Enqueue("restore " + agentId);
        return Task.CompletedTask;
    }
}

/// <summary>Takes keep-my-place callbacks to typed numbers: records each request, answers <see cref="Refusal"/>.</summary>
internal sealed class FakeCallbackScheduler : ICallbackScheduler
{
    public ConcurrentQueue<TypedCallback> Requests { get; } = new();

    public string? Refusal { get; set; }

    public string? Schedule(TypedCallback request)
    {
        Requests.Enqueue(request);
        return Refusal;
    }
}
