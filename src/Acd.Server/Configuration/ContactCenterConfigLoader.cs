using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Acd.Routing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Acd.Server.Configuration;

/// <summary>
/// Loads the contact-center YAML file. Every error (unknown key, wrong type, bad value, and every routing rule
/// the routing validator checks) is reported with file:line:column and key, all at once.
/// </summary>
public static class ContactCenterConfigLoader
{
    private static readonly string[] TopKeys = ["realm", "numbers", "skills", "queues", "agents", "pause_reasons", "dispositions", "music_on_hold", "recording", "login_on_register", "ring_no_answer_limit", "feature_codes", "transfer"];
    private static readonly string[] TransferKeys = ["external_prefixes"];
    private static readonly string[] FeatureCodeKeys = ["login", "pause", "available", "disposition", "supervise"];
    private static readonly string[] NumberKeys = ["number", "pattern", "ivr", "queue"];
    private static readonly string[] QueueKeys = ["skills", "strategy", "priority", "service_level", "max_wait", "max_length", "wrap_up", "ring_timeout", "short_abandon", "weight", "initial_handle_time", "escalation"];
    private static readonly string[] StepKeys = ["after", "min_level", "overflow", "voicemail", "callback"];
    private static readonly string[] AgentKeys = ["name", "extension", "password", "password_env", "ha1_md5", "ha1_sha256", "skills", "roles"];
    private static readonly string[] RecordingKeys = ["mode", "queues"];
    private static readonly string[] Roles = ["agent", "supervisor", "admin"];

    /// <summary>Loads and validates <paramref name="path"/>; throws <see cref="ConfigurationErrorsException"/> listing every error.</summary>
    public static ContactCenterConfig Load(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ConfigurationErrorsException([new ConfigDiagnostic(path, 0, 0, "Acd:Config", "file not found")]);
        }

        using var text = File.OpenText(path);
        return Parse(text, path, environment);
    }

    public static ContactCenterConfig Parse(TextReader text, string file, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        var r = new YamlNodeReader(file);
        var root = r.Load(text);
        var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
        var realm = "acd";
        var numbers = new List<(NumberRoute Route, YamlNode Node, string Path)>();
        var skills = new List<string>();
        var queues = new List<QueueConfig>();
        var agents = new List<AgentConfig>();
        var accounts = new List<AgentAccount>();
        var pause = new Dictionary<string, string>(StringComparer.Ordinal);
        var dispositions = new Dictionary<string, string>(StringComparer.Ordinal);
        var moh = new Dictionary<string, string>(StringComparer.Ordinal);
        var recording = new RecordingPolicy();
        var loginOnRegister = true;
        var featureCodes = new Acd.Calls.Features.FeatureCodeMap();
        YamlNode? featureCodesNode = null;
        var transfer = new Acd.Calls.Inbound.TransferPolicy();
        var ringNoAnswerLimit = 3;
        YamlNode? agentsNode = null;

        foreach (var (key, value, _) in r.Entries(root, string.Empty, TopKeys))
        {
            switch (key)
            {
                case "realm":
                    realm = r.String(value, key) ?? realm;
                    break;
                case "numbers":
                    foreach (var (i, item) in r.Items(value, key))
                    {
                        numbers.Add((ReadNumber(r, item, $"numbers[{i}]"), item, $"numbers[{i}]"));
                    }

                    break;
                case "skills":
                    for (var i = 0; i < ((value as YamlSequenceNode)?.Children.Count ?? 0); i++)
                    {
                        marks[$"skills[{i}]"] = ((YamlSequenceNode)value).Children[i].Start;
                    }

                    skills.AddRange(r.StringList(value, key));
                    break;
                case "queues":
                    foreach (var (name, q, keyNode) in r.Entries(value, key))
                    {
                        var at = $"queues[{queues.Count}]";
                        marks[at + ".name"] = keyNode.Start;
                        queues.Add(ReadQueue(r, name, q, at, marks));
                    }

                    break;
                case "agents":
                    agentsNode = value;
                    break;
                case "pause_reasons":
                    ReadCodes(r, value, key, pause);
                    break;
                case "dispositions":
                    ReadCodes(r, value, key, dispositions);
                    break;
                case "music_on_hold":
                    foreach (var (name, v, _) in r.Entries(value, key))
                    {
                        if (r.String(v, $"{key}.{name}") is { } f)
                        {
                            moh[name] = f;
                        }
                    }

                    break;
                case "recording":
                    recording = ReadRecording(r, value, key);
                    break;
                case "login_on_register":
                    loginOnRegister = r.Bool(value, key) ?? true;
                    break;
                case "ring_no_answer_limit":
                    ringNoAnswerLimit = r.Int(value, key, 1, 100) ?? ringNoAnswerLimit;
                    break;
                case "feature_codes":
                    featureCodesNode = value;
                    featureCodes = ReadFeatureCodes(r, value, key);
                    break;
                case "transfer":
                    transfer = ReadTransfer(r, value, key);
                    break;
            }
        }

        // Agents last: their HA1 hashes need the realm, wherever it appears in the file.
        foreach (var (id, a, keyNode) in r.Entries(agentsNode, "agents"))
        {
            var at = $"agents[{agents.Count}]";
            marks[at + ".id"] = keyNode.Start;
            var (agent, account) = ReadAgent(r, id, a, at, realm, marks, environment);
            agents.Add(agent);
            if (account is not null)
            {
                accounts.Add(account);
            }
        }

        var routing = new RoutingConfig { Skills = skills, Queues = queues, Agents = agents, RingNoAnswerLimit = ringNoAnswerLimit };
        foreach (var e in RoutingConfigValidator.Validate(routing))
        {
            var mark = FindMark(marks, e.Location);
            r.Error(mark, e.Location, $"{e.Item}: {e.Message}");
        }

        var queueNames = queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (route, node, path) in numbers)
        {
            if (route.Queue is not null && !queueNames.Contains(route.Queue))
            {
                r.Error(node, path + ".queue", $"unknown queue '{route.Queue}'");
            }
        }

        foreach (var q in recording.Queues.Where(q => !queueNames.Contains(q)))
        {
            r.Error(root?.Start ?? Mark.Empty, "recording.queues", $"unknown queue '{q}'");
        }

        var extensions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var account in accounts.Where(a => !extensions.Add(a.Extension)))
        {
            r.Error(marks.GetValueOrDefault($"agents[{accounts.IndexOf(account)}].id", Mark.Empty), "agents", $"extension {account.Extension} is used by two agents");
        }

        CheckFeatureCodes(r, featureCodesNode ?? root, featureCodes, accounts, numbers.Select(n => n.Route));
        if (r.Errors.Count > 0)
        {
            throw new ConfigurationErrorsException(r.Errors);
        }

        return new ContactCenterConfig
        {
            Source = file,
            Realm = realm,
            Numbers = numbers.Select(n => n.Route).ToList(),
            Routing = routing,
            Agents = accounts,
            PauseReasons = pause,
            Dispositions = dispositions,
            MusicOnHold = moh,
            Recording = recording,
            LoginOnRegister = loginOnRegister,
            FeatureCodes = featureCodes,
            Transfer = transfer,
        };
    }

    /// <summary>Lower-case hex of HASH(user:realm:password), the HA1 of RFC 2617 / RFC 7616.</summary>
    public static string Ha1(HashAlgorithmName algorithm, string user, string realm, string password)
    {
        var input = Encoding.UTF8.GetBytes($"{user}:{realm}:{password}");
        var hash = algorithm == HashAlgorithmName.SHA256 ? SHA256.HashData(input) : MD5.HashData(input);
        return Convert.ToHexStringLower(hash);
    }

    private static Mark FindMark(Dictionary<string, Mark> marks, string location)
    {
        // Walk up the path (queues[1].escalation[0].target -> queues[1].escalation[0] -> queues[1]...) to the nearest mark.
        for (var p = location; p.Length > 0;)
        {
            if (marks.TryGetValue(p, out var m))
            {
                return m;
            }

            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            p = cut <= 0 ? string.Empty : p[..cut];
        }

        return Mark.Empty;
    }

    private static NumberRoute ReadNumber(YamlNodeReader r, YamlNode node, string path)
    {
        string? number = null, ivr = null, queue = null;
        Regex? pattern = null;
        foreach (var (key, value, _) in r.Entries(node, path, NumberKeys))
        {
            var at = $"{path}.{key}";
            switch (key)
            {
                case "number":
                    number = r.String(value, at);
                    break;
                case "pattern":
                    var p = r.String(value, at);
                    try
                    {
                        pattern = p is null ? null : new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
                    }
                    catch (ArgumentException e)
                    {
                        r.Error(value, at, $"invalid regular expression: {e.Message}");
                    }

                    break;
                case "ivr":
                    ivr = r.String(value, at);
                    break;
                case "queue":
                    queue = r.String(value, at);
                    break;
            }
        }

        if ((number is null) == (pattern is null))
        {
            r.Error(node, path, "give exactly one of 'number' or 'pattern'");
        }

        if ((ivr is null) == (queue is null))
        {
            r.Error(node, path, "give exactly one of 'ivr' or 'queue'");
        }

        return new NumberRoute { Number = number, Pattern = pattern, Ivr = ivr, Queue = queue };
    }

    private static QueueConfig ReadQueue(YamlNodeReader r, string name, YamlNode node, string at, Dictionary<string, Mark> marks)
    {
        var q = new QueueConfig { Name = name, Skills = [] };
        var path = $"queues.{name}";
        marks[at] = node.Start;
        foreach (var (key, value, _) in r.Entries(node, path, QueueKeys))
        {
            var yamlAt = $"{path}.{key}";
            switch (key)
            {
                case "skills":
                    var reqs = new List<SkillRequirement>();
                    foreach (var (skill, level, keyNode) in r.Entries(value, yamlAt))
                    {
                        marks[$"{at}.skills[{reqs.Count}]"] = keyNode.Start;
                        reqs.Add(new SkillRequirement(skill, r.Int(level, $"{yamlAt}.{skill}", 1, 10) ?? 1));
                    }

                    marks[at + ".skills"] = value.Start;
                    q = q with { Skills = reqs };
                    break;
                case "strategy":
                    marks[at + ".strategy"] = value.Start;
                    q = q with { Strategy = r.String(value, yamlAt) ?? q.Strategy };
                    break;
                case "priority":
                    q = q with { Priority = r.Int(value, yamlAt, 0, RoutingConfigValidator.MaxPriority) ?? q.Priority };
                    break;
                case "service_level":
                    q = q with { ServiceLevelThreshold = r.Duration(value, yamlAt) ?? q.ServiceLevelThreshold };
                    break;
                case "max_wait":
                    q = q with { MaxWait = r.Duration(value, yamlAt) ?? q.MaxWait };
                    break;
                case "max_length":
                    q = q with { MaxLength = r.Int(value, yamlAt, 0, 1_000_000) ?? q.MaxLength };
                    break;
                case "wrap_up":
                    q = q with { WrapUp = r.Duration(value, yamlAt) ?? q.WrapUp };
                    break;
                case "ring_timeout":
                    marks[at + ".ringTimeout"] = value.Start;
                    q = q with { RingTimeout = r.Duration(value, yamlAt) ?? q.RingTimeout };
                    break;
                case "short_abandon":
                    q = q with { ShortAbandonThreshold = r.Duration(value, yamlAt) ?? q.ShortAbandonThreshold };
                    break;
                case "initial_handle_time":
                    marks[at + ".initialHandleTime"] = value.Start;
                    q = q with { InitialHandleTime = r.Duration(value, yamlAt) ?? q.InitialHandleTime };
                    break;
                case "weight":
                    marks[at + ".weight"] = value.Start;
                    var w = r.String(value, yamlAt);
                    if (w is not null && double.TryParse(w, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var weight))
                    {
                        q = q with { Weight = weight };
                    }
                    else if (w is not null)
                    {
                        r.Error(value, yamlAt, $"'{w}' is not a number");
                    }

                    break;
                case "escalation":
                    var steps = new List<EscalationStep>();
                    foreach (var (i, item) in r.Items(value, yamlAt))
                    {
                        marks[$"{at}.escalation[{i}]"] = item.Start;
                        steps.Add(ReadStep(r, item, $"{yamlAt}[{i}]"));
                    }

                    q = q with { Escalation = steps };
                    break;
            }
        }

        return q;
    }

    private static EscalationStep ReadStep(YamlNodeReader r, YamlNode node, string path)
    {
        var step = new EscalationStep { After = TimeSpan.Zero };
        var actions = 0;
        foreach (var (key, value, _) in r.Entries(node, path, StepKeys))
        {
            var at = $"{path}.{key}";
            switch (key)
            {
                case "after":
                    step = step with { After = r.Duration(value, at) ?? TimeSpan.Zero };
                    break;
                case "min_level":
                    actions++;
                    step = step with { Action = EscalationAction.Relax, MinLevel = r.Int(value, at, 1, 10) ?? 1 };
                    break;
                case "overflow":
                    actions++;
                    step = step with { Action = EscalationAction.Overflow, Target = r.String(value, at) };
                    break;
                case "voicemail":
                    actions++;
                    step = step with { Action = EscalationAction.Voicemail };
                    break;
                case "callback":
                    actions++;
                    step = step with { Action = EscalationAction.Callback };
                    break;
            }
        }

        if (actions != 1)
        {
            r.Error(node, path, "a step needs exactly one of min_level, overflow, voicemail or callback");
        }

        return step;
    }

    private static (AgentConfig Agent, AgentAccount? Account) ReadAgent(
        YamlNodeReader r, string id, YamlNode node, string at, string realm, Dictionary<string, Mark> marks, Func<string, string?> environment)
    {
        var path = $"agents.{id}";
        string? name = null, extension = null, password = null, ha1Md5 = null, ha1Sha256 = null;
        var sample = false;
        var credentialKey = false;
        var skills = new Dictionary<string, int>(StringComparer.Ordinal);
        var roles = new List<string> { "agent" };
        marks[at] = node.Start;
        foreach (var (key, value, _) in r.Entries(node, path, AgentKeys))
        {
            var yamlAt = $"{path}.{key}";
            switch (key)
            {
                case "name":
                    name = r.String(value, yamlAt);
                    break;
                case "extension":
                    extension = r.String(value, yamlAt);
                    break;
                case "password":
                    password = r.String(value, yamlAt);
                    sample = password is not null && IsSamplePassword(password);
                    break;
                case "password_env":
                    credentialKey = true;
                    var variable = r.String(value, yamlAt);
                    password = variable is null ? null : environment(variable);
                    if (variable is not null && string.IsNullOrEmpty(password))
                    {
                        r.Error(value, yamlAt, $"environment variable {variable} is not set");
                    }

                    break;
                case "ha1_md5":
                    ha1Md5 = Hex(r, value, yamlAt, 32);
                    break;
                case "ha1_sha256":
                    ha1Sha256 = Hex(r, value, yamlAt, 64);
                    break;
                case "skills":
                    marks[at + ".skills"] = value.Start;
                    foreach (var (skill, level, keyNode) in r.Entries(value, yamlAt))
                    {
                        marks[$"{at}.skills.{skill}"] = keyNode.Start;
                        skills[skill] = r.Int(level, $"{yamlAt}.{skill}", int.MinValue, int.MaxValue) ?? 0;
                    }

                    break;
                case "roles":
                    roles = r.StringList(value, yamlAt);
                    foreach (var role in roles.Where(x => !Roles.Contains(x)))
                    {
                        r.Error(value, yamlAt, $"unknown role '{role}' (known: {string.Join(", ", Roles)})");
                    }

                    break;
            }
        }

        extension ??= id;
        var agent = new AgentConfig { Id = id, Skills = skills };
        if (password is not null)
        {
            ha1Md5 ??= Ha1(HashAlgorithmName.MD5, extension, realm, password);
            ha1Sha256 ??= Ha1(HashAlgorithmName.SHA256, extension, realm, password);
        }

        if (ha1Md5 is null && ha1Sha256 is null)
        {
            if (credentialKey)
            {
                return (agent, null);
            }

            r.Error(node, path, "an agent needs a password, password_env, ha1_md5 or ha1_sha256");
            return (agent, null);
        }

        return (agent, new AgentAccount
        {
            Id = id,
            Name = name ?? id,
            Extension = extension,
            Ha1Md5 = ha1Md5 ?? string.Empty,
            Ha1Sha256 = ha1Sha256,
            Roles = roles,
            HasSamplePassword = sample,
        });
    }

    /// <summary>The shipped sample passwords are "demo" followed by digits (demo1001...).</summary>
    internal static bool IsSamplePassword(string password) =>
        password.StartsWith("demo", StringComparison.Ordinal) && password.Length > 4 && password.AsSpan(4).IndexOfAnyExceptInRange('0', '9') < 0;

    private static string? Hex(YamlNodeReader r, YamlNode node, string at, int length)
    {
        var s = r.String(node, at)?.ToLowerInvariant();
        if (s is null || (s.Length == length && s.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0))
        {
            return s;
        }

        r.Error(node, at, $"expected {length} hexadecimal digits");
        return null;
    }

    private static void ReadCodes(YamlNodeReader r, YamlNode node, string path, Dictionary<string, string> into)
    {
        foreach (var (code, value, keyNode) in r.Entries(node, path))
        {
            if (code.Length is 0 or > 4 || code.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
            {
                r.Error(keyNode, $"{path}.{code}", "a code is 1-4 digits (it is dialed on the phone)");
                continue;
            }

            if (r.String(value, $"{path}.{code}") is { } name)
            {
                into[code] = name;
            }
        }
    }

    /// <summary><c>transfer.external_prefixes</c>: E.164 prefixes ('+' and 1-15 digits) of the numbers agents may transfer callers to.</summary>
    private static Acd.Calls.Inbound.TransferPolicy ReadTransfer(YamlNodeReader r, YamlNode node, string path)
    {
        var prefixes = new List<string>();
        foreach (var (key, value, _) in r.Entries(node, path, TransferKeys))
        {
            var at = $"{path}.{key}";
            foreach (var (i, item) in r.Items(value, at))
            {
                if (r.String(item, $"{at}[{i}]") is not { } prefix)
                {
                    continue;
                }

                if (!prefix.StartsWith('+') || !Acd.Calls.Inbound.TransferPolicy.IsNumber(prefix))
                {
                    r.Error(item, $"{at}[{i}]", $"'{prefix}' is not an E.164 prefix: '+' then 1-15 digits (e.g. +1800)");
                    continue;
                }

                prefixes.Add(prefix);
            }
        }

        return new Acd.Calls.Inbound.TransferPolicy { ExternalPrefixes = prefixes };
    }

    private static Acd.Calls.Features.FeatureCodeMap ReadFeatureCodes(YamlNodeReader r, YamlNode node, string path)
    {
        var codes = new Acd.Calls.Features.FeatureCodeMap();
        foreach (var (key, value, _) in r.Entries(node, path, FeatureCodeKeys))
        {
            var at = $"{path}.{key}";
            var code = r.String(value, at);
            if (code is null)
            {
                continue;
            }

            if (code.Length is < 2 or > 8 || code.AsSpan().IndexOfAnyExcept("0123456789*#") >= 0)
            {
                r.Error(value, at, $"'{code}' is not a feature code: 2-8 of 0-9, * and # (e.g. *45)");
                continue;
            }

            codes = key switch
            {
                "login" => codes with { LoginToggle = code },
                "pause" => codes with { Pause = code },
                "available" => codes with { Available = code },
                "disposition" => codes with { Disposition = code },
                _ => codes with { Supervise = code },
            };
        }

        return codes;
    }

    /// <summary>Feature codes must be told apart from each other (none a prefix of another), from extensions and from dialed numbers.</summary>
    private static void CheckFeatureCodes(YamlNodeReader r, YamlNode? node, Acd.Calls.Features.FeatureCodeMap codes, List<AgentAccount> accounts, IEnumerable<NumberRoute> numbers)
    {
        var mark = node?.Start ?? Mark.Empty;
        var all = codes.All.ToList();
        foreach (var (kind, code) in all)
        {
            foreach (var (other, longer) in all.Where(o => o.Kind != kind && o.Code.StartsWith(code, StringComparison.Ordinal)))
            {
                r.Error(mark, "feature_codes", $"{kind} code '{code}' is a prefix of (or equal to) the {other} code '{longer}'");
            }

            if (accounts.Any(a => a.Extension == code) || numbers.Any(n => n.Number == code))
            {
                r.Error(mark, "feature_codes", $"{kind} code '{code}' is also an agent's extension or a number of the number plan (feature codes are matched first)");
            }
        }
    }

    private static RecordingPolicy ReadRecording(YamlNodeReader r, YamlNode node, string path)
    {
        var policy = new RecordingPolicy();
        foreach (var (key, value, _) in r.Entries(node, path, RecordingKeys))
        {
            var at = $"{path}.{key}";
            if (key == "mode")
            {
                var mode = r.String(value, at);
                if (mode is "none" or "all" or "queues")
                {
                    policy = policy with { Mode = mode };
                }
                else if (mode is not null)
                {
                    r.Error(value, at, $"unknown mode '{mode}' (known: none, all, queues)");
                }
            }
            else
            {
                policy = policy with { Queues = r.StringList(value, at) };
            }
        }

        return policy;
    }
}
