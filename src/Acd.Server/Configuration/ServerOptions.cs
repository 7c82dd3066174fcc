using System.Globalization;
using System.Net;
using Acd.Sip.Auth;
using Microsoft.Extensions.Configuration;

namespace Acd.Server.Configuration;

/// <summary>
/// The operator-facing settings of an Acd node, read from the standard .NET configuration (appsettings.json,
/// ACD_-style environment variables such as <c>Sip__Port</c>, and command-line <c>--Sip:Port=5070</c>).
/// </summary>
public sealed record ServerOptions
{
    /// <summary><c>Sip:Bind</c>: the address SIP listens on.</summary>
    public IPAddress SipBind { get; init; } = IPAddress.Loopback;

    /// <summary><c>Sip:Port</c>.</summary>
    public int SipPort { get; init; } = 5060;

    /// <summary><c>Sip:Transports</c>: a comma-separated subset of udp, tcp.</summary>
    public IReadOnlyList<string> SipTransports { get; init; } = ["udp", "tcp"];

    /// <summary><c>Sip:ContactAddress</c>: host:port this node puts in Contact headers; defaults to Sip:Bind:Sip:Port.</summary>
    public string SipContactAddress { get; init; } = "127.0.0.1:5060";

    /// <summary>
    /// <c>Sip:DigestAlgorithms</c>: the digest algorithms offered in challenges, in order (SHA-256, MD5). Some phones
    /// (baresip 1.0) refuse a challenge that offers anything but MD5: set <c>MD5</c> for such fleets.
    /// </summary>
    public IReadOnlyList<DigestAlgorithm> SipDigestAlgorithms { get; init; } = [DigestAlgorithm.Sha256, DigestAlgorithm.Md5];

    /// <summary>
    /// <c>Sip:NonceKey</c>: base64 of at least 16 bytes that sign digest nonces. Every node behind one address must share
    /// it; empty means a random key per process (a single node).
    /// </summary>
    public byte[]? SipNonceKey { get; init; }

    /// <summary><c>Redis:Configuration</c>: a StackExchange.Redis connection string; empty means the in-memory store.</summary>
    public string RedisConfiguration { get; init; } = string.Empty;

    /// <summary><c>Acd:Config</c>: the contact-center file.</summary>
    public string ContactCenterFile { get; init; } = Path.Combine("deploy", "sample", "acd.yaml");

    /// <summary><c>Acd:Node</c>: this node's name in shared (Redis) state; defaults to host name and SIP port.</summary>
    public string NodeName { get; init; } = string.Empty;

    /// <summary>
    /// <c>Acd:HeartbeatTtl</c>: how long this node's heartbeat keeps it alive in shared (Redis) state: seconds or
    /// hh:mm:ss, 1 s to 10 min, default 15 s. When it lapses, the other nodes count its waiting calls as lost.
    /// </summary>
    public TimeSpan HeartbeatTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>Ivr:Scripts</c>: the folder of IVR scripts.</summary>
    public string IvrScripts { get; init; } = "ivr-scripts";

    /// <summary><c>Media:RtpPorts</c>: the RTP port range, e.g. 20000-20999 (RTP on even ports, RTCP on the next odd one).</summary>
    public (int First, int Last) RtpPorts { get; init; } = (20000, 29999);

    /// <summary><c>Records:Path</c>: where call records (JSON lines) and recordings are written.</summary>
    public string RecordsPath { get; init; } = "records";

    public bool UsesRedis => RedisConfiguration.Length > 0;

    /// <summary>Reads and validates the options; throws <see cref="ConfigurationErrorsException"/> listing every error.</summary>
    public static ServerOptions Read(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<ConfigDiagnostic>();
        var options = new ServerOptions();

        void Error(string key, string message) => errors.Add(new ConfigDiagnostic("configuration", 0, 0, key, message));

        if (configuration["Sip:Bind"] is { Length: > 0 } bind)
        {
            if (IPAddress.TryParse(bind, out var address))
            {
                options = options with { SipBind = address };
            }
            else
            {
                Error("Sip:Bind", $"'{bind}' is not an IP address");
            }
        }

        if (configuration["Sip:Port"] is { Length: > 0 } port)
        {
            if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535)
            {
                options = options with { SipPort = p };
            }
            else
            {
                Error("Sip:Port", $"'{port}' is not a port (1-65535)");
            }
        }

        if (configuration["Sip:Transports"] is { Length: > 0 } transports)
        {
            var list = transports.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
            foreach (var t in list.Where(t => t is not ("udp" or "tcp")))
            {
                Error("Sip:Transports", $"unknown transport '{t}' (known: udp, tcp)");
            }

            if (list.Count == 0)
            {
                Error("Sip:Transports", "at least one transport is needed");
            }

            options = options with { SipTransports = list };
        }

        if (configuration["Sip:DigestAlgorithms"] is { Length: > 0 } algorithms)
        {
            var list = new List<DigestAlgorithm>();
            foreach (var name in algorithms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                switch (name.ToUpperInvariant())
                {
                    case "SHA-256" or "SHA256":
                        list.Add(DigestAlgorithm.Sha256);
                        break;
                    case "MD5":
                        list.Add(DigestAlgorithm.Md5);
                        break;
                    default:
                        Error("Sip:DigestAlgorithms", $"unknown algorithm '{name}' (known: SHA-256, MD5)");
                        break;
                }
            }

            options = options with { SipDigestAlgorithms = list.Distinct().ToList() };
        }

        if (configuration["Sip:NonceKey"] is { Length: > 0 } key)
        {
            var bytes = new byte[key.Length];
            if (Convert.TryFromBase64String(key, bytes, out var length) && length >= 16)
            {
                options = options with { SipNonceKey = bytes[..length] };
            }
            else
            {
                Error("Sip:NonceKey", "must be base64 of at least 16 bytes");
            }
        }

        if (configuration["Sip:ContactAddress"] is { Length: > 0 } contact)
        {
            options = options with { SipContactAddress = contact };
        }
        else if (options.SipBind.Equals(IPAddress.Any) || options.SipBind.Equals(IPAddress.IPv6Any))
        {
            Error("Sip:ContactAddress", $"Sip:Bind {options.SipBind} listens on every address: give the address phones reach this node on (host:port)");
        }
        else
        {
            options = options with { SipContactAddress = new IPEndPoint(options.SipBind, options.SipPort).ToString() };
        }

        options = options with
        {
            RedisConfiguration = configuration["Redis:Configuration"] ?? string.Empty,
            ContactCenterFile = Rooted(contentRoot, configuration["Acd:Config"] ?? options.ContactCenterFile),
            IvrScripts = Rooted(contentRoot, configuration["Ivr:Scripts"] ?? options.IvrScripts),
            RecordsPath = Rooted(contentRoot, configuration["Records:Path"] ?? options.RecordsPath),
        };
        options = options with { NodeName = configuration["Acd:Node"] is { Length: > 0 } node ? node : $"{Environment.MachineName.ToLowerInvariant()}-{options.SipPort}" };

        if (configuration["Acd:HeartbeatTtl"] is { Length: > 0 } ttl)
        {
            var parsed = ttl.Contains(':', StringComparison.Ordinal)
                ? TimeSpan.TryParse(ttl, CultureInfo.InvariantCulture, out var span) ? span : TimeSpan.Zero
                : double.TryParse(ttl, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds <= 600
                    ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
            if (parsed >= TimeSpan.FromSeconds(1) && parsed <= TimeSpan.FromMinutes(10))
            {
                options = options with { HeartbeatTtl = parsed };
            }
            else
            {
                Error("Acd:HeartbeatTtl", $"'{ttl}' is not a heartbeat lifetime: seconds (e.g. 15) or hh:mm:ss, from 1 s to 10 min");
            }
        }

        if (configuration["Media:RtpPorts"] is { Length: > 0 } range)
        {
            var parts = range.Split('-', StringSplitOptions.TrimEntries);
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                && first is >= 1024 and <= 65534 && last is > 1024 and <= 65535 && last > first)
            {
                options = options with { RtpPorts = (first, last) };
            }
            else
            {
                Error("Media:RtpPorts", $"'{range}' is not a port range such as 20000-29999 (1024-65535)");
            }
        }

        if (!File.Exists(options.ContactCenterFile))
        {
            Error("Acd:Config", $"contact-center file '{options.ContactCenterFile}' not found");
        }

        if (!Directory.Exists(options.IvrScripts))
        {
            Error("Ivr:Scripts", $"IVR scripts folder '{options.IvrScripts}' not found");
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationErrorsException(errors);
        }

        return options;
    }

    /// <summary>
    /// Errors for a node that would expose sample credentials: a SIP address other than loopback while any agent
    /// still has a shipped sample password.
    /// </summary>
    public IReadOnlyList<ConfigDiagnostic> CheckSamplePasswords(ContactCenterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (IPAddress.IsLoopback(SipBind))
        {
            return [];
        }

        return config.Agents.Where(a => a.HasSamplePassword)
            .Select(a => new ConfigDiagnostic(config.Source, 0, 0, $"agents.{a.Id}.password",
                $"agent {a.Id} still has a sample password; Sip:Bind {SipBind} is not a loopback address. Set password_env or ha1_md5/ha1_sha256."))
            .ToList();
    }

    /// <summary>
    /// The folder that relative paths are taken from: the nearest folder at or above <paramref name="start"/> that
    /// holds the sample configuration (a source checkout), else <paramref name="start"/> itself.
    /// </summary>
    public static string FindHome(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "deploy", "sample", "acd.yaml")))
            {
                return dir.FullName;
            }
        }

        return start;
    }

    private static string Rooted(string root, string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(root, path));
}
