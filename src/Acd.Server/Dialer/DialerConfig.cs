using System.Globalization;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Trunks;
using Acd.Media.Amd;
using Acd.Server.Configuration;
using NodaTime;
using NodaTime.Text;
using YamlDotNet.RepresentationModel;

namespace Acd.Server.Dialer;

/// <summary>A campaign as configured: its settings, where its leads come from, and whether it starts with the node.</summary>
public sealed record CampaignDefinition(CampaignConfig Config, string? LeadsFile, string PhoneColumn, bool StartWithNode, IReadOnlyList<string> DoNotCallFiles)
{
    /// <summary>The answering-machine detector's parameters (app_amd's, in ms); what it has not decided by the 2-second rule is a person.</summary>
    public AmdOptions Amd { get; init; } = new();
}

/// <summary>Who may dial external numbers through the trunks for the call flow (transfers, callbacks to typed numbers).</summary>
public sealed record ExternalDialPolicy
{
    public bool Enabled { get; init; }

    /// <summary>Trunks in failover order.</summary>
    public IReadOnlyList<string> Trunks { get; init; } = [];

    public IReadOnlyList<string> AllowedRegions { get; init; } = ["US"];

    /// <summary>Agents allowed to dial out; empty: every configured agent.</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>E.164 caller ID of scheduled and keep-my-place callbacks to numbers (none: such callbacks are refused).</summary>
    public string? CallerId { get; init; }
}

/// <summary>
/// The dialer's file (<c>Dialer:File</c>, YAML): the trunk-side SIP listener, trunks, campaigns, do-not-call imports and
/// the external dial policy. Read strictly: every error with file, line and key; the node refuses to start on any.
/// </summary>
public sealed record DialerConfig
{
    /// <summary>The UDP port of the trunk-side SIP user agent (0: any free port on the node's SIP address).</summary>
    public int SipPort { get; init; }

    public IReadOnlyList<TrunkConfig> Trunks { get; init; } = [];

    public IReadOnlyList<CampaignDefinition> Campaigns { get; init; } = [];

    /// <summary>CSV files (one number per row, column <c>phone</c>) imported into the internal do-not-call list.</summary>
    public IReadOnlyList<string> DoNotCallFiles { get; init; } = [];

    public ExternalDialPolicy External { get; init; } = new();

    /// <summary>How often each running campaign's pacer decides.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    public string Source { get; init; } = "(none)";
}

/// <summary>Reads <see cref="DialerConfig"/> from YAML.</summary>
public static class DialerConfigLoader
{
    private static readonly string[] TopKeys = ["sip", "trunks", "campaigns", "doNotCall", "external", "tick"];
    private static readonly string[] SipKeys = ["port"];
    private static readonly string[] TrunkKeys = ["name", "host", "port", "transport", "username", "password", "passwordEnv", "callerIdFormat", "fromHost", "dialPrefix", "maxChannels", "maxCallsPerSecond", "priority", "failuresBeforeFailover", "failoverCooldown", "register", "registerExpiry"];
    private static readonly string[] ExternalKeys = ["enabled", "trunks", "allowedRegions", "agents", "callerId"];
    private static readonly string[] CampaignKeys =
    [
        "id", "mode", "callerId", "queue", "trunks", "leads", "phoneColumn", "defaultRegion", "allowedRegions", "maxAbandonRate", "targetAbandonRate",
        "abandonWindow", "powerLinesPerAgent", "maxDialLevel", "broadcastLines", "ringTimeout", "connectDeadline", "abandonMessage", "amd", "onMachine",
        "message", "ivr", "maxAttempts", "calleeWindow", "timeZone", "start", "doNotCall", "amdOptions",
    ];

    private static readonly string[] AmdKeys = ["initialSilence", "greeting", "afterGreetingSilence", "totalAnalysisTime", "minimumWordLength", "betweenWordsSilence", "maximumWords", "silenceThreshold"];

    /// <summary>Loads and validates <paramref name="path"/>; prompts resolve under <paramref name="promptDirectory"/>. Throws listing every error.</summary>
    public static DialerConfig Load(string path, string promptDirectory, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ConfigurationErrorsException([new ConfigDiagnostic(path, 0, 0, "Dialer:File", "file not found")]);
        }

        using var text = File.OpenText(path);
        return Parse(text, path, promptDirectory, environment ?? Environment.GetEnvironmentVariable);
    }

    internal static DialerConfig Parse(TextReader text, string path, string promptDirectory, Func<string, string?> environment)
    {
        var reader = new YamlNodeReader(path);
        var root = reader.Load(text);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var config = new DialerConfig { Source = path };
        var trunkNodes = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var campaignNodes = new List<YamlNode>();
        foreach (var (key, value, _) in reader.Entries(root, string.Empty, TopKeys))
        {
            switch (key)
            {
                case "sip":
                    foreach (var (k, v, _) in reader.Entries(value, "sip", SipKeys))
                    {
                        config = config with { SipPort = reader.Int(v, "sip." + k, 0, 65535) ?? 0 };
                    }

                    break;
                case "tick":
                    config = config with { Tick = reader.Duration(value, "tick") ?? config.Tick };
                    break;
                case "trunks":
                    config = config with { Trunks = [.. reader.Items(value, "trunks").Select(i => ReadTrunk(reader, i.Item, $"trunks[{i.Index}]", environment, trunkNodes))] };
                    break;
                case "campaigns":
                    config = config with { Campaigns = [.. reader.Items(value, "campaigns").Select(i => ReadCampaign(reader, Keep(campaignNodes, i.Item), $"campaigns[{i.Index}]", baseDirectory, promptDirectory))] };
                    break;
                case "doNotCall":
                    config = config with { DoNotCallFiles = [.. reader.StringList(value, "doNotCall").Select(f => Path.GetFullPath(f, baseDirectory))] };
                    break;
                case "external":
                    config = config with { External = ReadExternal(reader, value) };
                    break;
            }
        }

        Check(reader, root, config, trunkNodes, campaignNodes);
        if (reader.Errors.Count > 0)
        {
            throw new ConfigurationErrorsException(reader.Errors);
        }

        return config;
    }

    private static void Check(YamlNodeReader reader, YamlNode? root, DialerConfig config, Dictionary<string, YamlNode> trunkNodes, List<YamlNode> campaignNodes)
    {
        var top = root ?? new YamlScalarNode();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Trunks.Count; i++)
        {
            var trunk = config.Trunks[i];
            var node = trunkNodes.GetValueOrDefault(trunk.Name ?? string.Empty) ?? top;
            if (!names.Add(trunk.Name ?? string.Empty))
            {
                reader.Error(node, $"trunks[{i}].name", $"duplicate trunk '{trunk.Name}'");
            }

            foreach (var error in trunk.Validate($"trunks[{i}]"))
            {
                reader.Error(node, error.Location, error.Message);
            }
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Campaigns.Count; i++)
        {
            var campaign = config.Campaigns[i];

            // Campaign errors point at the campaign's entry (file:line), not at the top of the file.
            var at = i < campaignNodes.Count ? campaignNodes[i] : top;
            if (!ids.Add(campaign.Config.Id ?? string.Empty))
            {
                reader.Error(at, $"campaigns[{i}].id", $"duplicate campaign '{campaign.Config.Id}'");
            }

            foreach (var error in campaign.Config.Validate($"campaigns[{i}]"))
            {
                reader.Error(at, error.Location, (error.Message.Length > 0 ? error.Message : "invalid") + $" (campaign '{campaign.Config.Id}')");
            }

            foreach (var trunk in campaign.Config.Trunks.Where(t => !names.Contains(t)))
            {
                reader.Error(at, $"campaigns[{i}].trunks", $"unknown trunk '{trunk}'");
            }

            if (campaign.LeadsFile is { } leads && !File.Exists(leads))
            {
                reader.Error(at, $"campaigns[{i}].leads", $"file not found: {leads}");
            }

            foreach (var prompt in new[] { campaign.Config.AbandonMessage, campaign.Config.Message }.OfType<string>().Where(p => !File.Exists(p)))
            {
                reader.Error(at, $"campaigns[{i}]", $"prompt not found: {prompt}");
            }
        }

        foreach (var trunk in config.External.Trunks.Where(t => !names.Contains(t)))
        {
            reader.Error(top, "external.trunks", $"unknown trunk '{trunk}'");
        }

        if (config.External.Enabled && config.External.Trunks.Count == 0)
        {
            reader.Error(top, "external.trunks", "external dialing needs at least one trunk");
        }
    }

    private static YamlNode Keep(List<YamlNode> nodes, YamlNode node)
    {
        nodes.Add(node);
        return node;
    }

    private static TrunkConfig ReadTrunk(YamlNodeReader reader, YamlNode node, string path, Func<string, string?> environment, Dictionary<string, YamlNode> nodes)
    {
        var trunk = new TrunkConfig { Name = string.Empty, Host = string.Empty };
        foreach (var (key, value, _) in reader.Entries(node, path, TrunkKeys))
        {
            var p = YamlNodeReader.Join(path, key);
            trunk = key switch
            {
                "name" => trunk with { Name = reader.String(value, p) ?? string.Empty },
                "host" => trunk with { Host = reader.String(value, p) ?? string.Empty },
                "port" => trunk with { Port = reader.Int(value, p, 1, 65535) ?? trunk.Port },
                "transport" => trunk with { Transport = reader.String(value, p) ?? trunk.Transport },
                "username" => trunk with { Username = reader.String(value, p) },
                "password" => trunk with { Password = reader.String(value, p) },
                "passwordEnv" => trunk with { Password = Secret(reader, value, p, environment) },
                "callerIdFormat" => trunk with { CallerIdFormat = reader.String(value, p) ?? trunk.CallerIdFormat },
                "fromHost" => trunk with { FromHost = reader.String(value, p) },
                "dialPrefix" => trunk with { DialPrefix = reader.String(value, p) ?? string.Empty },
                "maxChannels" => trunk with { MaxChannels = reader.Int(value, p, 1, 100_000) ?? trunk.MaxChannels },
                "maxCallsPerSecond" => trunk with { MaxCallsPerSecond = Number(reader, value, p) ?? trunk.MaxCallsPerSecond },
                "priority" => trunk with { Priority = reader.Int(value, p, 0, 1000) ?? 0 },
                "failuresBeforeFailover" => trunk with { FailuresBeforeFailover = reader.Int(value, p, 1, 1000) ?? trunk.FailuresBeforeFailover },
                "failoverCooldown" => trunk with { FailoverCooldown = reader.Duration(value, p) ?? trunk.FailoverCooldown },
                "register" => trunk with { Register = reader.Bool(value, p) ?? false },
                "registerExpiry" => trunk with { RegisterExpiry = reader.Duration(value, p) ?? trunk.RegisterExpiry },
                _ => trunk,
            };
        }

        nodes.TryAdd(trunk.Name, node);
        return trunk;
    }

    private static string? Secret(YamlNodeReader reader, YamlNode value, string path, Func<string, string?> environment)
    {
        if (reader.String(value, path) is not { } name)
        {
            return null;
        }

        var secret = environment(name);
        if (string.IsNullOrEmpty(secret))
        {
            reader.Error(value, path, $"environment variable {name} is not set");
        }

        return secret;
    }

    private static ExternalDialPolicy ReadExternal(YamlNodeReader reader, YamlNode node)
    {
        var policy = new ExternalDialPolicy();
        foreach (var (key, value, _) in reader.Entries(node, "external", ExternalKeys))
        {
            var p = "external." + key;
            policy = key switch
            {
                "enabled" => policy with { Enabled = reader.Bool(value, p) ?? false },
                "trunks" => policy with { Trunks = reader.StringList(value, p) },
                "allowedRegions" => policy with { AllowedRegions = reader.StringList(value, p) },
                "agents" => policy with { Agents = reader.StringList(value, p) },
                "callerId" when reader.String(value, p) is { } id && !CallerIdValidator.IsValid(id, "US", out _) => Invalid(reader, value, p, policy),
                "callerId" => policy with { CallerId = reader.String(value, p) },
                _ => policy,
            };
        }

        return policy;
    }

    private static ExternalDialPolicy Invalid(YamlNodeReader reader, YamlNode value, string key, ExternalDialPolicy policy)
    {
        reader.Error(value, key, "not a valid E.164 caller ID");
        return policy;
    }

    private static CampaignDefinition ReadCampaign(YamlNodeReader reader, YamlNode node, string path, string baseDirectory, string promptDirectory)
    {
        var config = new CampaignConfig { Id = string.Empty };
        string? leads = null;
        var phoneColumn = "phone";
        var start = false;
        var dnc = new List<string>();
        var amd = new AmdOptions();
        foreach (var (key, value, _) in reader.Entries(node, path, CampaignKeys))
        {
            var p = YamlNodeReader.Join(path, key);
            switch (key)
            {
                case "amdOptions":
                    amd = ReadAmd(reader, value, p);
                    continue;
                case "leads":
                    leads = reader.String(value, p) is { } l ? Path.GetFullPath(l, baseDirectory) : null;
                    continue;
                case "phoneColumn":
                    phoneColumn = reader.String(value, p) ?? phoneColumn;
                    continue;
                case "start":
                    start = reader.Bool(value, p) ?? false;
                    continue;
                case "doNotCall":
                    dnc.AddRange(reader.StringList(value, p).Select(f => Path.GetFullPath(f, baseDirectory)));
                    continue;
            }

            config = key switch
            {
                "id" => config with { Id = reader.String(value, p) ?? string.Empty },
                "mode" => config with { Mode = Enum<DialMode>(reader, value, p) ?? config.Mode },
                "callerId" => config with { CallerId = reader.String(value, p) },
                "queue" => config with { Queue = reader.String(value, p) },
                "trunks" => config with { Trunks = reader.StringList(value, p) },
                "defaultRegion" => config with { DefaultRegion = reader.String(value, p) ?? config.DefaultRegion },
                "allowedRegions" => config with { AllowedRegions = reader.StringList(value, p) },
                "maxAbandonRate" => config with { MaxAbandonRate = Number(reader, value, p) ?? config.MaxAbandonRate },
                "targetAbandonRate" => config with { TargetAbandonRate = Number(reader, value, p) ?? config.TargetAbandonRate },
                "abandonWindow" => config with { AbandonWindow = reader.Duration(value, p) ?? config.AbandonWindow },
                "powerLinesPerAgent" => config with { PowerLinesPerAgent = Number(reader, value, p) ?? config.PowerLinesPerAgent },
                "maxDialLevel" => config with { MaxDialLevel = Number(reader, value, p) ?? config.MaxDialLevel },
                "broadcastLines" => config with { BroadcastLines = reader.Int(value, p, 1, 10_000) ?? config.BroadcastLines },
                "ringTimeout" => config with { RingTimeout = reader.Duration(value, p) ?? config.RingTimeout },
                "connectDeadline" => config with { ConnectDeadline = reader.Duration(value, p) ?? config.ConnectDeadline },
                "abandonMessage" => config with { AbandonMessage = Prompt(reader, value, p, promptDirectory) },
                "message" => config with { Message = Prompt(reader, value, p, promptDirectory) },
                "amd" => config with { AmdEnabled = reader.Bool(value, p) ?? config.AmdEnabled },
                "onMachine" => config with { OnMachine = Enum<MachineAction>(reader, value, p) ?? config.OnMachine },
                "ivr" => config with { IvrScript = reader.String(value, p) },
                "maxAttempts" => config with { MaxAttemptsPerLead = reader.Int(value, p, 1, 100) ?? config.MaxAttemptsPerLead },
                "calleeWindow" => config with { CalleeWindow = Window(reader, value, p) ?? config.CalleeWindow },
                "timeZone" => config with { TimeZone = reader.String(value, p) ?? config.TimeZone },
                _ => config,
            };
        }

        return new CampaignDefinition(config, leads, phoneColumn, start, dnc) { Amd = amd };
    }

    private static AmdOptions ReadAmd(YamlNodeReader reader, YamlNode node, string path)
    {
        var amd = new AmdOptions();
        foreach (var (key, value, _) in reader.Entries(node, path, AmdKeys))
        {
            var p = YamlNodeReader.Join(path, key);
            if (key is "maximumWords" or "silenceThreshold")
            {
                var n = reader.Int(value, p, 1, 32767);
                amd = key == "maximumWords" ? amd with { MaximumNumberOfWords = n ?? amd.MaximumNumberOfWords } : amd with { SilenceThreshold = n ?? amd.SilenceThreshold };
                continue;
            }

            var ms = reader.Duration(value, p) is { } d ? (int)d.TotalMilliseconds : (int?)null;
            amd = key switch
            {
                "initialSilence" => amd with { InitialSilenceMs = ms ?? amd.InitialSilenceMs },
                "greeting" => amd with { GreetingMs = ms ?? amd.GreetingMs },
                "afterGreetingSilence" => amd with { AfterGreetingSilenceMs = ms ?? amd.AfterGreetingSilenceMs },
                "totalAnalysisTime" => amd with { TotalAnalysisTimeMs = ms ?? amd.TotalAnalysisTimeMs },
                "minimumWordLength" => amd with { MinimumWordLengthMs = ms ?? amd.MinimumWordLengthMs },
                "betweenWordsSilence" => amd with { BetweenWordsSilenceMs = ms ?? amd.BetweenWordsSilenceMs },
                _ => amd,
            };
        }

        foreach (var error in amd.Validate())
        {
            reader.Error(node, path, error);
        }

        return amd;
    }

    private static string? Prompt(YamlNodeReader reader, YamlNode value, string path, string promptDirectory) =>
        reader.String(value, path) is { } prompt ? Path.GetFullPath(prompt, promptDirectory) : null;

    private static double? Number(YamlNodeReader reader, YamlNode value, string path)
    {
        var s = reader.String(value, path);
        if (s is null)
        {
            return null;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
        {
            return v;
        }

        reader.Error(value, path, $"'{s}' is not a number");
        return null;
    }

    private static T? Enum<T>(YamlNodeReader reader, YamlNode value, string path)
        where T : struct, Enum
    {
        var s = reader.String(value, path);
        if (s is not null && System.Enum.TryParse<T>(s, ignoreCase: true, out var v) && System.Enum.IsDefined(v))
        {
            return v;
        }

        if (s is not null)
        {
            reader.Error(value, path, $"'{s}' is not one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}");
        }

        return null;
    }

    /// <summary>"HH:mm-HH:mm" in the callee's local time.</summary>
    private static DailyWindow? Window(YamlNodeReader reader, YamlNode value, string path)
    {
        var s = reader.String(value, path);
        var parts = s?.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts is { Length: 2 } && LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(parts[0]) is { Success: true } start
            && LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(parts[1]) is { Success: true } end)
        {
            return new DailyWindow(start.Value, end.Value);
        }

        if (s is not null)
        {
            reader.Error(value, path, $"'{s}' is not a window like 08:00-21:00");
        }

        return null;
    }
}
