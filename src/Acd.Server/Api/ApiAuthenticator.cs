using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Acd.Server.Api;

/// <summary>Who called: the token's name (never its secret), role and agent.</summary>
public sealed record ApiPrincipal(string TokenName, ApiRole Role, string? Agent)
{
    /// <summary>Supervisors and admins act on every agent; an agent token on its own agent only.</summary>
    public bool MayActOn(string agentId) => Role >= ApiRole.Supervisor || string.Equals(Agent, agentId, StringComparison.Ordinal);
}

/// <summary>Why a request was not authenticated (the <c>reason</c> label of <c>acd_api_auth_failures_total</c>).</summary>
public enum ApiAuthFailure
{
    None,

    /// <summary>No <c>Authorization: Bearer</c> header.</summary>
    Missing,

    /// <summary>A token that matches no configured one.</summary>
    Invalid,

    /// <summary>A sample (plaintext-configured) token from a client that is not on loopback.</summary>
    NotLoopback,

    /// <summary>Authenticated, but the role lacks the right (403).</summary>
    Forbidden,
}

/// <summary>
/// Checks bearer tokens against the configured SHA-256 hashes: the presented token is hashed and compared in constant
/// time with every configured hash (no early exit, so the time does not tell which or how much matched).
/// </summary>
public sealed class ApiAuthenticator(ApiConfig config)
{
    private readonly ApiToken[] _tokens = [.. (config ?? throw new ArgumentNullException(nameof(config))).Tokens];

    public ApiAuthFailure Authenticate(string? authorization, IPAddress? remote, out ApiPrincipal? principal)
    {
        principal = null;
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == Scheme.Length)
        {
            return ApiAuthFailure.Missing;
        }

        Span<byte> hash = stackalloc byte[32];
        var token = authorization.AsSpan(Scheme.Length).Trim();
        var bytes = token.Length <= 512 ? Encoding.UTF8.GetBytes(token.ToArray()) : [];
        SHA256.HashData(bytes, hash);
        CryptographicOperations.ZeroMemory(bytes);
        ApiToken? match = null;
        foreach (var t in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, t.Sha256))
            {
                match = t;
            }
        }

        if (match is null)
        {
            return ApiAuthFailure.Invalid;
        }

        if (match.LoopbackOnly && (remote is null || !IPAddress.IsLoopback(remote)))
        {
            return ApiAuthFailure.NotLoopback;
        }

        principal = new ApiPrincipal(match.Name, match.Role, match.Agent);
        return ApiAuthFailure.None;
    }
}

/// <summary>The API's instruments (meter <c>Acd.Api</c>), exported by the server's Prometheus bridge.</summary>
public sealed class ApiMetrics : IDisposable
{
    public const string MeterName = "Acd.Api";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _eventClientsDropped;

    public ApiMetrics(IMeterFactory? meters = null)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("acd_api_requests_total", description: "API requests answered, by endpoint (operation id) and status code.");
        _authFailures = _meter.CreateCounter<long>("acd_api_auth_failures_total", description: "API requests refused: missing, invalid or non-loopback sample token (401), role without the right (403).");
        _eventClientsDropped = _meter.CreateCounter<long>("acd_api_event_clients_dropped_total", description: "Event-stream clients dropped because their buffer filled (a slow reader).");
        foreach (var reason in Enum.GetValues<ApiAuthFailure>().Where(r => r != ApiAuthFailure.None))
        {
            _authFailures.Add(0, new KeyValuePair<string, object?>("reason", Label(reason)));
        }

        _eventClientsDropped.Add(0);
    }

    public static string Label(ApiAuthFailure reason) => reason switch
    {
        ApiAuthFailure.Missing => "missing",
        ApiAuthFailure.Invalid => "invalid",
        ApiAuthFailure.NotLoopback => "not-loopback",
        _ => "forbidden",
    };

    public void Request(string endpoint, int code) =>
        _requests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("code", StatusText(code)));

    public void AuthFailed(ApiAuthFailure reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", Label(reason)));

    public void EventClientDropped() => _eventClientsDropped.Add(1);

    public void Dispose() => _meter.Dispose();

    private static string StatusText(int code) => code switch
    {
        200 => "200",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        503 => "503",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
