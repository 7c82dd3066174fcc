using Acd.Calls.Inbound;

namespace Acd.Calls.Features;

// What a feature-code call needs from the rest of the node. Acd.Calls does not reference routing or the
// contact-center configuration: the server adapts the router, the configuration in force and the call service.

/// <summary>What a feature code does.</summary>
public enum FeatureKind
{
    /// <summary>Logs the agent in when logged out, else out (<c>*45</c>).</summary>
    LoginToggle,

    /// <summary>Pauses with the reason of the code dialed after it (<c>*46</c> + code), or asked for.</summary>
    Pause,

    /// <summary>Makes the agent available (<c>*47</c>).</summary>
    Available,

    /// <summary>Sets the disposition of the agent's last call during (or right after) wrap-up (<c>*48</c> + code).</summary>
    Disposition,

    /// <summary>Joins a supervisor to the call of the agent whose extension follows (<c>*90</c> + extension).</summary>
    Supervise,
}

/// <summary>The dial strings of the feature codes (the contact-center file's <c>feature_codes</c>, with these defaults).</summary>
public sealed record FeatureCodeMap
{
    public string LoginToggle { get; init; } = "*45";

    public string Pause { get; init; } = "*46";

    public string Available { get; init; } = "*47";

    public string Disposition { get; init; } = "*48";

    public string Supervise { get; init; } = "*90";

    /// <summary>Every code with its kind.</summary>
    public IEnumerable<(FeatureKind Kind, string Code)> All =>
    [
        (FeatureKind.LoginToggle, LoginToggle), (FeatureKind.Pause, Pause), (FeatureKind.Available, Available),
        (FeatureKind.Disposition, Disposition), (FeatureKind.Supervise, Supervise),
    ];

    /// <summary>
    /// The feature a dialed string asks for: the longest code it starts with, and the digits after it (the pause or
    /// disposition code, the supervised agent's extension). Codes without an argument match only exactly.
    /// </summary>
    public FeatureRequest? Match(string dialed)
    {
        ArgumentNullException.ThrowIfNull(dialed);
        FeatureRequest? best = null;
        foreach (var (kind, code) in All)
        {
            if (code.Length == 0 || !dialed.StartsWith(code, StringComparison.Ordinal) || (best is not null && best.Code.Length >= code.Length))
            {
                continue;
            }

            var argument = dialed[code.Length..];
            if (argument.Length > 0 && (kind is FeatureKind.LoginToggle or FeatureKind.Available || argument.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0))
            {
                continue;
            }

            best = new FeatureRequest(kind, code, argument);
        }

        return best;
    }
}

/// <summary>A dialed feature code: its kind, the code itself and the digits dialed after it (may be empty).</summary>
public sealed record FeatureRequest(FeatureKind Kind, string Code, string Argument);

/// <summary>An agent as the feature codes see it: routing id, extension (its digest user) and whether it may supervise.</summary>
public sealed record FeatureAgent(string AgentId, string Extension, bool IsSupervisor);

/// <summary>The configuration in force, as the feature codes need it (re-read for every call: the file may be reloaded).</summary>
public interface IFeatureDirectory
{
    FeatureCodeMap Codes { get; }

    /// <summary>The agent whose extension (the authenticated digest user) is <paramref name="extension"/>, or null.</summary>
    FeatureAgent? FindByExtension(string extension);

    /// <summary>The pause reason of a code dialed after <c>*46</c>, or null.</summary>
    string? PauseReason(string code);

    /// <summary>The disposition of a code dialed after <c>*48</c>, or null.</summary>
    string? Disposition(string code);
}

/// <summary>An agent's routing state, as much of it as the feature codes need.</summary>
public enum AgentPresence
{
    LoggedOut,
    Available,
    Paused,

    /// <summary>Ringing for a queue call or talking on one.</summary>
    Busy,
    WrapUp,
}

/// <summary>Routing state changes on an agent's behalf (implemented over the routing engine, so metrics and events follow).</summary>
public interface IAgentStateControl
{
    /// <summary>The agent's state, or null when routing does not know it.</summary>
    Task<AgentPresence?> GetAsync(string agentId, CancellationToken cancellationToken);

    Task<CallControlResult> LoginAsync(string agentId, CancellationToken cancellationToken);

    Task<CallControlResult> LogoutAsync(string agentId, CancellationToken cancellationToken);

    Task<CallControlResult> PauseAsync(string agentId, string reason, CancellationToken cancellationToken);

    Task<CallControlResult> MakeAvailableAsync(string agentId, CancellationToken cancellationToken);
}

/// <summary>Where an agent's disposition for its last call goes (the call service keeps the record open during wrap-up).</summary>
public interface IAgentDispositions
{
    /// <summary>Sets the disposition of <paramref name="agentId"/>'s last call; false when no call of it is in (or right after) wrap-up.</summary>
    bool SetDisposition(string agentId, string disposition);
}
