using Acd.Routing;

namespace Acd.Server.Configuration;

/// <summary>The contact-center file (<c>Acd:Config</c>, default <c>deploy/sample/acd.yaml</c>), loaded and validated.</summary>
public sealed record ContactCenterConfig
{
    /// <summary>The file it was loaded from.</summary>
    public required string Source { get; init; }

    /// <summary>The SIP digest realm agents authenticate in (part of every HA1).</summary>
    public required string Realm { get; init; }

    /// <summary>The number plan: dialed number (or pattern) to an IVR script or a queue. First match wins.</summary>
    public required IReadOnlyList<NumberRoute> Numbers { get; init; }

    /// <summary>Skills, queues and agents' skills, as the routing engine takes them.</summary>
    public required RoutingConfig Routing { get; init; }

    /// <summary>Agents' SIP accounts (extension and digest credentials) and roles.</summary>
    public required IReadOnlyList<AgentAccount> Agents { get; init; }

    /// <summary>Pause reason codes (dialed after *46) to names.</summary>
    public IReadOnlyDictionary<string, string> PauseReasons { get; init; } = new Dictionary<string, string>();

    /// <summary>Disposition codes (dialed after *48) to names.</summary>
    public IReadOnlyDictionary<string, string> Dispositions { get; init; } = new Dictionary<string, string>();

    /// <summary>The feature codes agents dial from their phones (<c>feature_codes</c>: login, pause, available, disposition, supervise).</summary>
    public Acd.Calls.Features.FeatureCodeMap FeatureCodes { get; init; } = new();

    /// <summary>Music-on-hold classes to a WAV file or a folder of WAV files (relative to the IVR scripts folder).</summary>
    public IReadOnlyDictionary<string, string> MusicOnHold { get; init; } = new Dictionary<string, string>();

    public RecordingPolicy Recording { get; init; } = new();

    /// <summary>Whether a registering agent phone logs the agent in (Available); otherwise *45 or the API does.</summary>
    public bool LoginOnRegister { get; init; } = true;

    /// <summary>Transfers (<c>transfer.external_prefixes</c>): which external numbers an agent may transfer a caller to; default none.</summary>
    public Acd.Calls.Inbound.TransferPolicy Transfer { get; init; } = new();
}

/// <summary>One entry of the number plan: an exact dialed number or a regular expression, and where it goes.</summary>
public sealed record NumberRoute
{
    public string? Number { get; init; }

    public System.Text.RegularExpressions.Regex? Pattern { get; init; }

    /// <summary>The IVR script that answers the call (name of a file in ivr-scripts/ without .yaml).</summary>
    public string? Ivr { get; init; }

    /// <summary>A queue the call goes to directly, without an IVR.</summary>
    public string? Queue { get; init; }

    public bool Matches(string dialed) => Number is not null ? string.Equals(Number, dialed, StringComparison.Ordinal) : Pattern!.IsMatch(dialed);
}

/// <summary>An agent's SIP account. Only HA1 hashes are kept: the plaintext password never leaves the loader.</summary>
public sealed record AgentAccount
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>The SIP user name the phone registers with.</summary>
    public required string Extension { get; init; }

    /// <summary>Lower-case hex MD5(user:realm:password).</summary>
    public required string Ha1Md5 { get; init; }

    /// <summary>Lower-case hex SHA-256(user:realm:password), when known.</summary>
    public string? Ha1Sha256 { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = ["agent"];

    /// <summary>True when the password is one of the shipped sample passwords (allowed on loopback only).</summary>
    public bool HasSamplePassword { get; init; }

    public override string ToString() => $"AgentAccount {{ Id = {Id}, Extension = {Extension}, Roles = [{string.Join(", ", Roles)}] }}";
}

/// <summary>Which calls are recorded to WAV.</summary>
public sealed record RecordingPolicy
{
    /// <summary>none, all, or queues (only the queues listed in <see cref="Queues"/>).</summary>
    public string Mode { get; init; } = "none";

    public IReadOnlyList<string> Queues { get; init; } = [];

    public bool Records(string queue) => Mode == "all" || (Mode == "queues" && Queues.Contains(queue, StringComparer.Ordinal));
}
