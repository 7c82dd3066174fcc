using Acd.Routing;

namespace Acd.Dialer.Campaigns;

/// <summary>The agents of a queue as the pacer sees them.</summary>
public sealed record AgentPoolSnapshot(int Staffed, int Free, IReadOnlyList<TimeSpan> BusyElapsed);

/// <summary>Where the dialer learns how many agents are free and how long the busy ones have been busy.</summary>
public interface IAgentAvailability
{
    ValueTask<AgentPoolSnapshot> GetAsync(string queue, CancellationToken cancellationToken);
}

/// <summary>
/// Agent availability from the routing store's queue snapshot. The snapshot has no per-agent call start, so busy
/// agents count as just started (the pacer then uses the plain handle-time distribution: cautious).
/// </summary>
public sealed class RoutingAgentAvailability(IQueueStore store) : IAgentAvailability
{
    public async ValueTask<AgentPoolSnapshot> GetAsync(string queue, CancellationToken cancellationToken)
    {
        var snapshot = await store.GetQueueSnapshotAsync(queue, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return new AgentPoolSnapshot(0, 0, []);
        }

        var busy = snapshot.AgentsByState.Where(p => p.Key is AgentState.OnCall or AgentState.WrapUp or AgentState.Reserved).Sum(p => p.Value);
        return new AgentPoolSnapshot(snapshot.StaffedAgents, snapshot.AvailableAgents, Enumerable.Repeat(TimeSpan.Zero, busy).ToArray());
    }
}
