using Acd.Calls.Direct;
using Acd.Routing;

namespace Acd.Server.Calls;

/// <summary>
/// Busy agents for direct calls, over the routing engine's own states (no new state in the stores): an Available agent
/// (or one in wrap-up) is paused with reason <see cref="DirectCallReason"/> and made Available again afterwards. An agent
/// that was paused already keeps its pause and reason, a logged-out one stays logged out, one ringing for or talking on
/// a queue call is not touched (and is busy). Restoring does nothing when the agent's state changed in between (logged
/// out, paused for another reason by a supervisor): the later decision wins.
/// </summary>
internal sealed class RoutingAgentBusy(AcdRouter router) : IAgentBusy
{
    /// <summary>The pause reason of an agent on a direct call (in /metrics as a Paused agent, in agent snapshots as the reason).</summary>
    public const string DirectCallReason = "direct-call";

    public async Task<bool> IsBusyAsync(string agentId, CancellationToken cancellationToken)
    {
        var agent = await router.GetAgentAsync(agentId, cancellationToken).ConfigureAwait(false);
        return agent is { State: AgentState.Reserved or AgentState.OnCall } or { State: AgentState.Paused, Reason: DirectCallReason };
    }

    public async Task<object?> MarkBusyAsync(string agentId, CancellationToken cancellationToken)
    {
        var agent = await router.GetAgentAsync(agentId, cancellationToken).ConfigureAwait(false);
        if (agent is not { State: AgentState.Available or AgentState.WrapUp })
        {
            return null;
        }

        // A wrap-up in progress ends here: the agent is on the phone again, and Available when the call is over.
        var result = await router.PauseAsync(agentId, DirectCallReason, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? new Mark(agent.State) : null;
    }

    public async Task RestoreAsync(string agentId, object? token, CancellationToken cancellationToken)
    {
        if (token is not Mark)
        {
            return;
        }

        var agent = await router.GetAgentAsync(agentId, cancellationToken).ConfigureAwait(false);
        if (agent is { State: AgentState.Paused, Reason: DirectCallReason })
        {
            await router.MakeAvailableAsync(agentId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What marking changed: the state the agent was in.</summary>
    private sealed record Mark(AgentState Previous);
}
