using Acd.Calls.Inbound;
using Acd.Ivr.Runtime;
using Acd.Routing;

namespace Acd.Server.Calls;

/// <summary>The routing engine as the call flow and the IVR see it (Acd.Calls does not reference Acd.Routing).</summary>
internal sealed class RoutingCallQueues(AcdRouter router, Func<RoutingConfig> config) : ICallQueues, IIvrQueueInfo
{
    private QueueIndex? _index;

    /// <summary>The queues of the configuration in force (indexed once per version).</summary>
    private Dictionary<string, QueueConfig> Queues
    {
        get
        {
            var current = config();
            var index = Volatile.Read(ref _index);
            if (index is null || !ReferenceEquals(index.Version, current))
            {
                index = new QueueIndex(current, current.Queues.ToDictionary(q => q.Name, StringComparer.Ordinal));
                Volatile.Write(ref _index, index);
            }

            return index.Queues;
        }
    }

    public async Task<QueueResult> EnqueueAsync(string callId, string queue, int? priority, IReadOnlyList<string> skills, CancellationToken cancellationToken)
    {
        var extra = skills.Count == 0 ? null : skills.Select(s => new SkillRequirement(s, 1)).ToList();
        return Map(await router.EnqueueAsync(callId, queue, priority, extra, cancellationToken).ConfigureAwait(false));
    }

    public async Task<QueueResult> EnqueueAsync(string callId, string queue, int? priority, IReadOnlyList<string> skills, DateTimeOffset arrived, CancellationToken cancellationToken)
    {
        var extra = skills.Count == 0 ? [] : skills.Select(s => new SkillRequirement(s, 1)).ToList();
        var request = new CallRequest { CallId = callId, Queue = queue, Priority = priority, ExtraSkills = extra, Node = string.Empty, Arrived = arrived };
        return Map(await router.EnqueueAsync(request, cancellationToken).ConfigureAwait(false));
    }

    public async Task<QueueResult> AbandonAsync(string callId, CancellationToken cancellationToken) =>
        Map(await router.AbandonAsync(callId, cancellationToken).ConfigureAwait(false));

    public async Task<QueueResult> AcceptAsync(string callId, string agentId, CancellationToken cancellationToken) =>
        Map(await router.AcceptAsync(callId, agentId, cancellationToken).ConfigureAwait(false));

    public async Task<QueueResult> RejectAsync(string callId, string agentId, CancellationToken cancellationToken) =>
        Map(await router.RejectAsync(callId, agentId, cancellationToken).ConfigureAwait(false));

    public async Task<QueueResult> RingNoAnswerAsync(string callId, string agentId, CancellationToken cancellationToken) =>
        Map(await router.RingNoAnswerAsync(callId, agentId, cancellationToken).ConfigureAwait(false));

    public async Task<QueueResult> EndAsync(string callId, string agentId, CancellationToken cancellationToken) =>
        Map(await router.EndCallAsync(agentId, cancellationToken).ConfigureAwait(false));

    public async Task<QueuePlace?> GetPlaceAsync(string callId, CancellationToken cancellationToken) =>
        await router.GetPositionAsync(callId, cancellationToken).ConfigureAwait(false) is { Waiting: true } p
            ? new QueuePlace(p.Position, p.EstimatedWait)
            : null;

    public TimeSpan RingTimeout(string queue) => Queues.TryGetValue(queue, out var q) ? q.RingTimeout : TimeSpan.FromSeconds(20);

    public TimeSpan WrapUp(string queue) => Queues.TryGetValue(queue, out var q) ? q.WrapUp : TimeSpan.Zero;

    public bool Exists(string queue) => Queues.ContainsKey(queue);

    public async ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken)
    {
        var snapshot = await router.GetQueueSnapshotAsync(queue, cancellationToken).ConfigureAwait(false);
        return snapshot is null
            ? new IvrQueueStatus(TimeSpan.Zero, 0, 0)
            : new IvrQueueStatus(snapshot.EstimatedWait ?? TimeSpan.Zero, snapshot.AvailableAgents, snapshot.Waiting);
    }

    private static QueueResult Map(RoutingResult result) => result.Succeeded ? QueueResult.Ok : QueueResult.Fail($"{result.Error}: {result.Reason}");

    private sealed record QueueIndex(RoutingConfig Version, Dictionary<string, QueueConfig> Queues);
}
