namespace Acd.Calls.Direct;

// What a call between two agents needs from the rest of the node (Acd.Calls does not reference routing: the server
// adapts the router and the contact-center configuration to these interfaces).

/// <summary>An agent as a phone user: its routing id, the extension it registers and is dialled at, and its name.</summary>
public sealed record DirectCallAgent(string AgentId, string Extension, string? Name);

/// <summary>Finds agents by extension (the Request-URI user of a direct call, the digest user of the caller).</summary>
public interface IAgentExtensions
{
    /// <summary>The agent at <paramref name="extension"/>, or null when no agent has it.</summary>
    DirectCallAgent? FindByExtension(string extension);
}

/// <summary>
/// Keeps an agent on a direct call out of queue routing. Marking returns a token that restores exactly what marking
/// changed: an agent that was already paused, logged out or ringing for a queue call is left as it was.
/// </summary>
public interface IAgentBusy
{
    /// <summary>Whether the agent is taken: ringing for or talking on a queue call, or on a direct call.</summary>
    Task<bool> IsBusyAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>Takes the agent out of routing for a direct call; the token for <see cref="RestoreAsync"/>, or null when nothing changed.</summary>
    Task<object?> MarkBusyAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>Undoes <see cref="MarkBusyAsync"/> (a null token does nothing), unless the agent's state was changed since.</summary>
    Task RestoreAsync(string agentId, object? token, CancellationToken cancellationToken);
}
