using Acd.Sip.Transactions;

namespace Acd.Calls.Inbound;

// What the inbound call flow needs from the rest of the node. Acd.Calls does not reference routing: the server
// adapts the router and the binding store to these interfaces (as it does for the registrar's bindings).

/// <summary>The answer of a queue operation: success, or the reason it was refused.</summary>
public readonly record struct QueueResult(bool Succeeded, string? Reason = null)
{
    public static QueueResult Ok => new(true);

    public static QueueResult Fail(string reason) => new(false, reason);
}

/// <summary>Where a waiting call stands: 1-based position and the estimated wait (null when unknown).</summary>
public readonly record struct QueuePlace(int Position, TimeSpan? EstimatedWait);

/// <summary>The ACD's queues as a call sees them (implemented over the routing engine by the server).</summary>
public interface ICallQueues
{
    /// <summary>Puts the call in <paramref name="queue"/>; this node owns it.</summary>
    Task<QueueResult> EnqueueAsync(string callId, string queue, int? priority, IReadOnlyList<string> skills, CancellationToken cancellationToken);

    /// <summary>
    /// Puts the call in <paramref name="queue"/> as if it had arrived at <paramref name="arrived"/> (a transferred call,
    /// a callback): it is ordered by that time; its max wait counts from now.
    /// </summary>
    Task<QueueResult> EnqueueAsync(string callId, string queue, int? priority, IReadOnlyList<string> skills, DateTimeOffset arrived, CancellationToken cancellationToken) =>
        EnqueueAsync(callId, queue, priority, skills, cancellationToken);

    /// <summary>The caller hung up while waiting or while an agent rang.</summary>
    Task<QueueResult> AbandonAsync(string callId, CancellationToken cancellationToken);

    /// <summary>The offered agent answered: the agent goes OnCall. Fails when the reservation is gone.</summary>
    Task<QueueResult> AcceptAsync(string callId, string agentId, CancellationToken cancellationToken);

    /// <summary>The agent's phone refused (486/603) or could not be reached: the call goes back to the front.</summary>
    Task<QueueResult> RejectAsync(string callId, string agentId, CancellationToken cancellationToken);

    /// <summary>The agent's phone rang out: the call goes back to the front; the agent's miss count rises.</summary>
    Task<QueueResult> RingNoAnswerAsync(string callId, string agentId, CancellationToken cancellationToken);

    /// <summary>The answered call ended: the agent goes to wrap-up.</summary>
    Task<QueueResult> EndAsync(string callId, string agentId, CancellationToken cancellationToken);

    /// <summary>Position and estimated wait of a waiting call, or null when it is not waiting.</summary>
    Task<QueuePlace?> GetPlaceAsync(string callId, CancellationToken cancellationToken);

    /// <summary>How long an agent's phone rings for calls of <paramref name="queue"/> before it counts as a miss.</summary>
    TimeSpan RingTimeout(string queue);

    /// <summary>The wrap-up time of <paramref name="queue"/>: zero means the agent is free again as soon as the call ends.</summary>
    TimeSpan WrapUp(string queue);

    /// <summary>Whether <paramref name="queue"/> exists.</summary>
    bool Exists(string queue);
}

/// <summary>A place an agent's phone can be rung: the Request-URI and the transport address to send to.</summary>
public sealed record AgentContact(string Uri, SipPeer Destination);

/// <summary>Finds the registered phones of an agent (the location service).</summary>
public interface IAgentDirectory
{
    /// <summary>The agent's live contacts, best first (empty: not registered).</summary>
    Task<IReadOnlyList<AgentContact>> FindAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>The agent's display name, or null.</summary>
    string? NameOf(string agentId);
}
