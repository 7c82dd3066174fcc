using System.Security.Cryptography;
using System.Text;
using Acd.Server.Configuration;
using YamlDotNet.RepresentationModel;

namespace Acd.Server.Api;

/// <summary>What an API token may do. Each role includes the ones before it.</summary>
public enum ApiRole
{
    /// <summary>Reads queues; acts on its own agent (and that agent's call) only.</summary>
    Agent = 1,

    /// <summary>Every agent, live calls (hangup, transfer, listen/whisper/barge), call records.</summary>
    Supervisor = 2,

    /// <summary>Everything, including the CSV export of call records.</summary>
    Admin = 3,
}

/// <summary>One configured token: its name (for logs and metrics, never the secret), the SHA-256 of the secret, its role.</summary>
public sealed record ApiToken
{
    public required string Name { get; init; }

    /// <summary>SHA-256 of the token's UTF-8 bytes.</summary>
    public required byte[] Sha256 { get; init; }

    public required ApiRole Role { get; init; }

    /// <summary>The agent the token acts as (required for <see cref="ApiRole.Agent"/>; a supervisor's own phone for listen).</summary>
    public string? Agent { get; init; }

    /// <summary>Given in plaintext in the file (a sample): accepted from loopback clients only.</summary>
    public bool LoopbackOnly { get; init; }

    public override string ToString() => $"ApiToken {{ Name = {Name}, Role = {Role}, Agent = {Agent} }}";
}

/// <summary>Which events a webhook receives.</summary>
[Flags]
public enum WebhookEvents
{
    None = 0,
    CallRecord = 1,
    AgentState = 2,
}

/// <summary>One webhook endpoint.</summary>
public sealed record WebhookEndpoint
{
    public required string Name { get; init; }

    public required Uri Url { get; init; }

    public required WebhookEvents Events { get; init; }

    /// <summary>HMAC-SHA256 key; when set every POST carries <c>X-Acd-Signature: sha256=&lt;hex of HMAC(body)&gt;</c>.</summary>
    public byte[]? Secret { get; init; }

    /// <summary>Deliveries waiting for this endpoint before new ones are dropped.</summary>
    public int QueueCapacity { get; init; } = 1000;

    /// <summary>Attempts per delivery (the first one included) before it is given up.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Wait before the second attempt; doubled for each next one up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Time allowed for one POST.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public override string ToString() => $"WebhookEndpoint {{ Name = {Name}, Url = {Url.GetLeftPart(UriPartial.Path)}, Events = {Events} }}";
}

/// <summary>The API file (<c>Api:Config</c>, default <c>deploy/sample/api.yaml</c>): tokens and webhooks.</summary>
public sealed record ApiConfig
{
    public string Source { get; init; } = "(none)";

    public IReadOnlyList<ApiToken> Tokens { get; init; } = [];

    public IReadOnlyList<WebhookEndpoint> Webhooks { get; init; } = [];

    /// <summary>Event-stream settings (from the .NET configuration, not the file).</summary>
    public ApiEventOptions Events { get; init; } = new();

    public static readonly ApiConfig Empty = new();
}

/// <summary>Loads the API file; every error is reported with file:line:column and key, all at once.</summary>
public static class ApiConfigLoader
{
    private static readonly string[] TopKeys = ["tokens", "webhooks"];
    private static readonly string[] TokenKeys = ["token", "sha256", "sha256_env", "role", "agent"];
    private static readonly string[] WebhookKeys = ["name", "url", "events", "secret", "secret_env", "queue_capacity", "max_attempts", "initial_backoff", "max_backoff", "timeout"];
    private static readonly string[] RoleNames = ["agent", "supervisor", "admin"];
    private static readonly string[] EventNames = ["call-record", "agent-state"];

    /// <summary>The SHA-256 (lower-case hex) of a token, as <c>sha256:</c> takes it.</summary>
    public static string HashHex(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static ApiConfig Load(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ConfigurationErrorsException([new ConfigDiagnostic(path, 0, 0, "Api:Config", "file not found")]);
        }

        using var text = File.OpenText(path);
        return Parse(text, path, environment);
    }

    public static ApiConfig Parse(TextReader text, string file, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        var r = new YamlNodeReader(file);
        var root = r.Load(text);
        var tokens = new List<ApiToken>();
        var webhooks = new List<WebhookEndpoint>();
        foreach (var (key, value, _) in r.Entries(root, string.Empty, TopKeys))
        {
            if (key == "tokens")
            {
                foreach (var (name, node, _) in r.Entries(value, key))
                {
                    if (ReadToken(r, name, node, $"tokens.{name}", environment) is { } t)
                    {
                        tokens.Add(t);
                    }
                }
            }
            else
            {
                foreach (var (i, node) in r.Items(value, key))
                {
                    if (ReadWebhook(r, node, $"webhooks[{i}]", i, environment) is { } w)
                    {
                        webhooks.Add(w);
                    }
                }
            }
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (tokens[i].Sha256.AsSpan().SequenceEqual(tokens[j].Sha256))
                {
                    r.Error(root!, $"tokens.{tokens[i].Name}", $"same token as '{tokens[j].Name}'");
                }
            }
        }

        if (r.Errors.Count > 0)
        {
            throw new ConfigurationErrorsException(r.Errors);
        }

        return new ApiConfig { Source = file, Tokens = tokens, Webhooks = webhooks };
    }

    private static ApiToken? ReadToken(YamlNodeReader r, string name, YamlNode node, string at, Func<string, string?> environment)
    {
        byte[]? hash = null;
        var plaintext = false;
        ApiRole? role = null;
        string? agent = null;
        foreach (var (key, value, _) in r.Entries(node, at, TokenKeys))
        {
            var path = $"{at}.{key}";
            switch (key)
            {
                case "token":
                    if (r.String(value, path) is { } token)
                    {
                        if (token.Length < 16)
                        {
                            r.Error(value, path, "a token needs at least 16 characters");
                        }

                        hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
                        plaintext = true;
                    }

                    break;
                case "sha256":
                    hash = Hex(r, value, path, r.String(value, path));
                    break;
                case "sha256_env":
                    hash = FromEnvironment(r, value, path, environment) is { } hex ? Hex(r, value, path, hex) : hash;
                    break;
                case "role":
                    var roleName = r.String(value, path);
                    role = roleName switch
                    {
                        "agent" => ApiRole.Agent,
                        "supervisor" => ApiRole.Supervisor,
                        "admin" => ApiRole.Admin,
                        _ => null,
                    };
                    if (role is null && roleName is not null)
                    {
                        r.Error(value, path, $"unknown role '{roleName}' (known: {string.Join(", ", RoleNames)})");
                    }

                    break;
                case "agent":
                    agent = r.String(value, path);
                    break;
            }
        }

        if (hash is null)
        {
            r.Error(node, at, "give sha256 (hex of SHA-256 of the token), sha256_env, or token (plaintext, loopback clients only)");
        }

        if (role is null)
        {
            r.Error(node, at + ".role", $"role is required ({string.Join(", ", RoleNames)})");
        }

        if (role == ApiRole.Agent && agent is null)
        {
            r.Error(node, at + ".agent", "an agent token names its agent");
        }

        return hash is null || role is null ? null : new ApiToken { Name = name, Sha256 = hash, Role = role.Value, Agent = agent, LoopbackOnly = plaintext };
    }

    private static byte[]? Hex(YamlNodeReader r, YamlNode node, string path, string? hex)
    {
        if (hex is null)
        {
            return null;
        }

        if (hex.Length == 64 && hex.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(hex);
        }

        r.Error(node, path, "expected 64 hex digits (SHA-256)");
        return null;
    }

    private static WebhookEndpoint? ReadWebhook(YamlNodeReader r, YamlNode node, string at, int index, Func<string, string?> environment)
    {
        var name = $"webhook-{index}";
        Uri? url = null;
        var events = WebhookEvents.None;
        byte[]? secret = null;
        var w = new WebhookEndpoint { Name = name, Url = new Uri("http://127.0.0.1/"), Events = WebhookEvents.None };
        foreach (var (key, value, _) in r.Entries(node, at, WebhookKeys))
        {
            var path = $"{at}.{key}";
            switch (key)
            {
                case "name":
                    name = r.String(value, path) ?? name;
                    break;
                case "url":
                    var text = r.String(value, path);
                    if (text is not null && (!Uri.TryCreate(text, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
                    {
                        r.Error(value, path, $"'{text}' is not an http(s) URL");
                        url = null;
                    }

                    break;
                case "events":
                    foreach (var e in r.StringList(value, path))
                    {
                        events |= e switch
                        {
                            "call-record" => WebhookEvents.CallRecord,
                            "agent-state" => WebhookEvents.AgentState,
                            _ => WebhookEvents.None,
                        };
                        if (!EventNames.Contains(e))
                        {
                            r.Error(value, path, $"unknown event '{e}' (known: {string.Join(", ", EventNames)})");
                        }
                    }

                    break;
                case "secret":
                    secret = r.String(value, path) is { } s ? Encoding.UTF8.GetBytes(s) : null;
                    break;
                case "secret_env":
                    secret = FromEnvironment(r, value, path, environment) is { } v ? Encoding.UTF8.GetBytes(v) : secret;
                    break;
                case "queue_capacity":
                    w = w with { QueueCapacity = r.Int(value, path, 1, 1_000_000) ?? w.QueueCapacity };
                    break;
                case "max_attempts":
                    w = w with { MaxAttempts = r.Int(value, path, 1, 100) ?? w.MaxAttempts };
                    break;
                case "initial_backoff":
                    w = w with { InitialBackoff = Positive(r, value, path) ?? w.InitialBackoff };
                    break;
                case "max_backoff":
                    w = w with { MaxBackoff = Positive(r, value, path) ?? w.MaxBackoff };
                    break;
                case "timeout":
                    w = w with { Timeout = Positive(r, value, path) ?? w.Timeout };
                    break;
            }
        }

        if (url is null)
        {
            r.Error(node, at + ".url", "url is required");
        }

        if (events == WebhookEvents.None)
        {
            r.Error(node, at + ".events", $"name at least one event ({string.Join(", ", EventNames)})");
        }

        return url is null ? null : w with { Name = name, Url = url, Events = events, Secret = secret };
    }

    /// <summary>The value of the environment variable the node names; an error when it is not set.</summary>
    private static string? FromEnvironment(YamlNodeReader r, YamlNode node, string path, Func<string, string?> environment)
    {
        if (r.String(node, path) is not { } variable)
        {
            return null;
        }

        var value = environment(variable);
        if (string.IsNullOrEmpty(value))
        {
            r.Error(node, path, $"environment variable {variable} is not set");
            return null;
        }

        return value;
    }

    private static TimeSpan? Positive(YamlNodeReader r, YamlNode node, string path)
    {
        var d = r.Duration(node, path);
        if (d is { } v && v <= TimeSpan.Zero)
        {
            r.Error(node, path, "must be greater than zero");
            return null;
        }

        return d;
    }
}
