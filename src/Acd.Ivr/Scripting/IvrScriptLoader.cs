using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Ivr.Expressions;
using NodaTime;
using NodaTime.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Acd.Ivr.Scripting;

/// <summary>The outcome of loading one script: the compiled script, or every error found (never both).</summary>
public sealed record IvrLoadResult(IvrScript? Script, IReadOnlyList<IvrDiagnostic> Diagnostics)
{
    public bool Succeeded => Script is not null;
}

/// <summary>
/// Reads one YAML script, validates it completely and compiles it. Every problem is reported with
/// file:line:column, all at once; nothing throws for bad input.
/// </summary>
public static partial class IvrScriptLoader
{
    /// <summary>Largest script file accepted (scripts are small; anything bigger is a mistake).</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>Loads <paramref name="path"/> with prompts from <paramref name="prompts"/>.</summary>
    public static IvrLoadResult LoadFile(string path, IvrPromptLibrary prompts, DateTimeOffset loadedAt)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes)
            {
                return Failed(path, IvrErrorCodes.Io, $"script is {info.Length} bytes; the limit is {MaxFileBytes}");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(path, IvrErrorCodes.Io, "cannot read script: " + e.Message);
        }

        return Load(path, text, prompts, loadedAt);
    }

    /// <summary>Loads a script from text; <paramref name="file"/> names it in diagnostics.</summary>
    public static IvrLoadResult Load(string file, string text, IvrPromptLibrary prompts, DateTimeOffset loadedAt)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(prompts);
        return new Reader(file, prompts).Read(text, loadedAt);
    }

    private static IvrLoadResult Failed(string file, string code, string message) =>
        new(null, [new IvrDiagnostic(new SourceLocation(file, 1, 1), code, message)]);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex NodeNameRegex();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_./-]*$")]
    private static partial Regex PromptNameRegex();

    [GeneratedRegex(@"^(\d+)(ms|s|m|h)?$")]
    private static partial Regex DurationRegex();

    private sealed class Reader(string file, IvrPromptLibrary prompts)
    {
        private static readonly string[] TopKeys = ["name", "description", "numbers", "language", "start", "hours", "nodes"];
        private static readonly string[] HoursKeys = ["timezone", "open", "holidays", "description"];
        private static readonly string[] Kinds = ["play", "menu", "collect", "branch", "set", "say", "queue", "transfer", "callback", "voicemail", "hangup"];
        private static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

        private static readonly Dictionary<string, string[]> KindKeys = new(StringComparer.Ordinal)
        {
            ["play"] = ["prompts", "barge_in", "next"],
            ["menu"] = ["prompt", "options", "timeout", "invalid_prompt", "timeout_prompt", "max_retries", "on_failure"],
            ["collect"] = ["prompt", "min_digits", "max_digits", "terminator", "first_digit_timeout", "inter_digit_timeout", "pattern", "variable", "invalid_prompt", "timeout_prompt", "max_retries", "next", "on_failure"],
            ["branch"] = ["cases", "else"],
            ["set"] = ["vars", "language", "next"],
            ["say"] = ["value", "as", "before", "after", "barge_in", "next"],
            ["queue"] = ["prompts", "queue", "skills", "priority", "callback_offer", "exit_key", "on_exit"],
            ["transfer"] = ["prompts", "queue", "agent", "uri"],
            ["callback"] = ["prompts", "queue", "number"],
            ["voicemail"] = ["prompt", "mailbox", "max_length", "beep", "closing_prompt"],
            ["hangup"] = ["prompts"],
        };

        private readonly List<IvrDiagnostic> _diagnostics = [];
        private readonly List<(string Name, YamlNode Node)> _scheduleUses = [];
        private readonly HashSet<string> _failedNodes = new(StringComparer.Ordinal);
        private FrozenDictionary<string, BusinessSchedule> _schedules = FrozenDictionary<string, BusinessSchedule>.Empty;

        public IvrLoadResult Read(string text, DateTimeOffset loadedAt)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                var message = e.InnerException?.Message ?? e.Message;
                Add(new SourceLocation(file, (int)e.Start.Line, (int)e.Start.Column), IvrErrorCodes.Syntax, "YAML: " + StripMark(message));
                return new IvrLoadResult(null, _diagnostics);
            }

            if (stream.Documents.Count != 1)
            {
                Add(new SourceLocation(file, 1, 1), IvrErrorCodes.Syntax, stream.Documents.Count == 0 ? "the file is empty" : "one script per file: found several YAML documents");
                return new IvrLoadResult(null, _diagnostics);
            }

            var root = Map(stream.Documents[0].RootNode, "script", TopKeys);
            if (root is null)
            {
                return new IvrLoadResult(null, _diagnostics);
            }

            var name = Str(root, "name", false) ?? Path.GetFileNameWithoutExtension(file);
            var language = Str(root, "language", false) ?? "en";
            var numbers = StringList(root, "numbers");
            if (root.Get("hours") is { } hours)
            {
                _schedules = ReadSchedules(hours);
            }

            var nodes = new List<IvrNode>();
            var nodesYaml = root.Get("nodes");
            if (nodesYaml is null)
            {
                Error(root.Node, IvrErrorCodes.MissingKey, "script needs 'nodes'");
            }
            else if (nodesYaml is not YamlMappingNode nodesMap || nodesMap.Children.Count == 0)
            {
                Error(nodesYaml, IvrErrorCodes.InvalidValue, "'nodes' must be a mapping of node name to node");
            }
            else
            {
                foreach (var (key, value) in nodesMap.Children)
                {
                    if (key is not YamlScalarNode { Value: { } nodeName } || !NodeNameRegex().IsMatch(nodeName))
                    {
                        Error(key, IvrErrorCodes.InvalidValue, $"invalid node name '{key}': use letters, digits, '_' and '-'");
                        continue;
                    }

                    if (nodeName == "ended")
                    {
                        Error(key, IvrErrorCodes.InvalidValue, "'ended' is reserved for the final state; choose another node name");
                        continue;
                    }

                    if (ReadNode(nodeName, key, value) is { } node)
                    {
                        nodes.Add(node);
                    }
                    else
                    {
                        _failedNodes.Add(nodeName);
                    }
                }
            }

            foreach (var (scheduleName, node) in _scheduleUses)
            {
                if (!_schedules.ContainsKey(scheduleName))
                {
                    Error(node, IvrErrorCodes.InvalidExpression, $"unknown hours schedule '{scheduleName}'{Suggest.DidYouMean(scheduleName, _schedules.Keys)}; define it under 'hours'");
                }
            }

            var byName = new Dictionary<string, IvrNode>(StringComparer.Ordinal);
            foreach (var node in nodes)
            {
                byName[node.Name] = node;
            }

            IvrNode? start = null;
            var startName = Str(root, "start", true);
            if (startName is not null)
            {
                if (!byName.TryGetValue(startName, out start) && !_failedNodes.Contains(startName))
                {
                    Error(root.Get("start")!, IvrErrorCodes.DanglingTarget, $"start node '{startName}' does not exist{Suggest.DidYouMean(startName, byName.Keys)}");
                }
            }

            var danglingBefore = _diagnostics.Count;
            foreach (var node in nodes)
            {
                foreach (var edge in node.Edges)
                {
                    if (byName.TryGetValue(edge.TargetName, out var target))
                    {
                        edge.Target = target;
                    }
                    else if (!_failedNodes.Contains(edge.TargetName))
                    {
                        Add(edge.Location, IvrErrorCodes.DanglingTarget, $"node '{node.Name}' goes to '{edge.TargetName}', which does not exist{Suggest.DidYouMean(edge.TargetName, byName.Keys)}");
                    }
                }
            }

            if (start is not null && _diagnostics.Count == danglingBefore && _failedNodes.Count == 0)
            {
                new GraphChecks(this, nodes, start).Run();
            }

            if (_diagnostics.Count > 0 || start is null)
            {
                // File order reads best; the sort is stable so equal positions keep discovery order.
                return new IvrLoadResult(null, [.. _diagnostics.OrderBy(d => d.Location.Line).ThenBy(d => d.Location.Column)]);
            }

            var end = new EndNode(new SourceLocation(file, 1, 1));
            var script = new IvrScript(name, file, language, numbers, [.. nodes], start, end, _schedules, prompts, loadedAt);
            return new IvrLoadResult(script, _diagnostics);
        }

        private IvrNode? ReadNode(string name, YamlNode keyNode, YamlNode value)
        {
            if (value is not YamlMappingNode mapping)
            {
                Error(value, IvrErrorCodes.InvalidValue, $"node '{name}' must be a mapping with a 'kind'");
                return null;
            }

            var kindNode = Child(mapping, "kind");
            if (kindNode is not YamlScalarNode { Value: { } kind })
            {
                Error(kindNode ?? keyNode, IvrErrorCodes.MissingKey, $"node '{name}' needs 'kind' (one of {string.Join(", ", Kinds)})");
                return null;
            }

            if (!KindKeys.TryGetValue(kind, out var keys))
            {
                Error(kindNode, IvrErrorCodes.UnknownKind, $"unknown node kind '{kind}'{Suggest.DidYouMean(kind, Kinds)}; kinds are {string.Join(", ", Kinds)}");
                return null;
            }

            var map = Map(mapping, $"{kind} node '{name}'", [.. keys, "kind", "description"]);
            if (map is null)
            {
                return null;
            }

            var location = Location(keyNode);
            return kind switch
            {
                "play" => ReadPlay(name, location, map),
                "menu" => ReadMenu(name, location, map),
                "collect" => ReadCollect(name, location, map),
                "branch" => ReadBranch(name, location, map),
                "set" => ReadSet(name, location, map),
                "say" => ReadSay(name, location, map),
                "queue" => ReadQueue(name, location, map),
                "transfer" => ReadTransfer(name, location, map),
                "callback" => ReadCallback(name, location, map),
                "voicemail" => ReadVoicemail(name, location, map),
                _ => new HangupNode(name, location) { Prompts = Prompts(map, "prompts", false) },
            };
        }

        private PlayNode ReadPlay(string name, SourceLocation location, MapReader map)
        {
            var node = new PlayNode(name, location)
            {
                Prompts = Prompts(map, "prompts", true),
                BargeIn = Bool(map, "barge_in") ?? false,
            };
            node.Next = Target(node, map, "next", "next")!;
            return node;
        }

        private MenuNode ReadMenu(string name, SourceLocation location, MapReader map)
        {
            var node = new MenuNode(name, location)
            {
                Prompts = Prompts(map, "prompt", true),
                Timeout = Duration(map, "timeout", TimeSpan.FromSeconds(5)),
                InvalidPrompts = Prompts(map, "invalid_prompt", false),
                TimeoutPrompts = Prompts(map, "timeout_prompt", false),
                MaxRetries = Int(map, "max_retries", 0, 10) ?? 2,
            };
            var options = map.Get("options");
            if (options is null)
            {
                Error(map.Node, IvrErrorCodes.MissingKey, $"menu node '{name}' needs 'options' (digit: node)");
            }
            else if (options is not YamlMappingNode optionMap || optionMap.Children.Count == 0)
            {
                Error(options, IvrErrorCodes.NoWayOut, $"menu node '{name}' has no options: a menu needs at least one 'digit: node'");
            }
            else
            {
                foreach (var (key, target) in optionMap.Children)
                {
                    var digit = key is YamlScalarNode s ? DtmfKey(s.Value) : null;
                    if (digit is null)
                    {
                        Error(key, IvrErrorCodes.InvalidValue, $"menu option '{key}' must be one key: 0-9, *, # or A-D");
                        continue;
                    }

                    if (target is not YamlScalarNode { Value: { Length: > 0 } targetName })
                    {
                        Error(target, IvrErrorCodes.InvalidValue, $"menu option '{digit}' must name a node");
                        continue;
                    }

                    node.Options[digit.Value] = node.AddEdge("press " + digit.Value, targetName, Location(target));
                }
            }

            node.Failure = Target(node, map, "on_failure", "failure")!;
            return node;
        }

        private CollectNode ReadCollect(string name, SourceLocation location, MapReader map)
        {
            var min = Int(map, "min_digits", 0, 64) ?? 1;
            var max = Int(map, "max_digits", 1, 64, required: true) ?? 64;
            if (min > max)
            {
                Error(map.Get("min_digits")!, IvrErrorCodes.InvalidValue, $"min_digits ({min}) is greater than max_digits ({max})");
            }

            char? terminator = '#';
            if (map.Get("terminator") is YamlScalarNode terminatorNode)
            {
                terminator = terminatorNode.Value is "none" or "" ? null : DtmfKey(terminatorNode.Value);
                if (terminator is null && terminatorNode.Value is not ("none" or ""))
                {
                    Error(terminatorNode, IvrErrorCodes.InvalidValue, $"terminator must be one key (0-9, *, #, A-D) or 'none', not '{terminatorNode.Value}'");
                }
            }

            Regex? pattern = null;
            if (Str(map, "pattern", false) is { } patternText)
            {
                try
                {
                    pattern = new Regex(patternText, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
                }
                catch (ArgumentException e)
                {
                    Error(map.Get("pattern")!, IvrErrorCodes.InvalidPattern, $"invalid pattern: {e.Message}");
                }
            }

            var variable = Str(map, "variable", true) ?? string.Empty;
            if (variable.Length > 0 && !NodeNameRegex().IsMatch(variable))
            {
                Error(map.Get("variable")!, IvrErrorCodes.InvalidValue, $"invalid variable name '{variable}'");
            }

            var node = new CollectNode(name, location)
            {
                Prompts = Prompts(map, "prompt", true),
                MinDigits = min,
                MaxDigits = max,
                Terminator = terminator,
                FirstDigitTimeout = Duration(map, "first_digit_timeout", TimeSpan.FromSeconds(5)),
                InterDigitTimeout = Duration(map, "inter_digit_timeout", TimeSpan.FromSeconds(3)),
                Pattern = pattern,
                Variable = variable.StartsWith("vars.", StringComparison.Ordinal) ? variable[5..] : variable,
                InvalidPrompts = Prompts(map, "invalid_prompt", false),
                TimeoutPrompts = Prompts(map, "timeout_prompt", false),
                MaxRetries = Int(map, "max_retries", 0, 10) ?? 2,
            };
            node.Next = Target(node, map, "next", "next")!;
            node.Failure = Target(node, map, "on_failure", "failure")!;
            return node;
        }

        private BranchNode ReadBranch(string name, SourceLocation location, MapReader map)
        {
            var node = new BranchNode(name, location);
            var queues = new HashSet<string>(StringComparer.Ordinal);
            var cases = map.Get("cases");
            if (cases is YamlSequenceNode sequence)
            {
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    index++;
                    var caseMap = Map(item, $"case {index} of branch node '{name}'", ["if", "goto"]);
                    if (caseMap is null)
                    {
                        continue;
                    }

                    var condition = Expr(caseMap, "if", required: true);
                    var target = Str(caseMap, "goto", true);
                    if (condition is not null && target is not null)
                    {
                        queues.UnionWith(condition.Queues);
                        node.Cases.Add((condition, node.AddEdge($"[{condition.Text}]", target, Location(caseMap.Get("goto")!))));
                    }
                }
            }
            else if (cases is not null)
            {
                Error(cases, IvrErrorCodes.InvalidValue, $"'cases' of branch node '{name}' must be a list of '- if: ... goto: ...'");
            }

            node.Else = Target(node, map, "else", "else")!;
            node.Queues = [.. queues];
            return node;
        }

        private SetNode ReadSet(string name, SourceLocation location, MapReader map)
        {
            var node = new SetNode(name, location) { Language = Str(map, "language", false) };
            var queues = new HashSet<string>(StringComparer.Ordinal);
            if (map.Get("vars") is { } vars)
            {
                if (vars is YamlMappingNode varsMap)
                {
                    foreach (var (key, value) in varsMap.Children)
                    {
                        var variable = (key as YamlScalarNode)?.Value ?? string.Empty;
                        if (!NodeNameRegex().IsMatch(variable))
                        {
                            Error(key, IvrErrorCodes.InvalidValue, $"invalid variable name '{key}'");
                            continue;
                        }

                        if (Compile(value) is { } expression)
                        {
                            queues.UnionWith(expression.Queues);
                            node.Assignments.Add((variable, expression));
                        }
                    }
                }
                else
                {
                    Error(vars, IvrErrorCodes.InvalidValue, $"'vars' of set node '{name}' must be a mapping of name: expression");
                }
            }
            else if (node.Language is null)
            {
                Error(map.Node, IvrErrorCodes.MissingKey, $"set node '{name}' needs 'vars' or 'language'");
            }

            node.Queues = [.. queues];
            node.Next = Target(node, map, "next", "next")!;
            return node;
        }

        private SayNode ReadSay(string name, SourceLocation location, MapReader map)
        {
            var modeText = Str(map, "as", true);
            var mode = modeText switch
            {
                "digits" => SayMode.Digits,
                "number" => SayMode.Number,
                "duration" => SayMode.Duration,
                _ => (SayMode?)null,
            };
            if (mode is null && modeText is not null)
            {
                Error(map.Get("as")!, IvrErrorCodes.InvalidValue, $"'as' must be digits, number or duration, not '{modeText}'");
            }

            var words = mode == SayMode.Digits ? SayWords.DigitPrompts : SayWords.AllPrompts;
            foreach (var word in words)
            {
                if (!prompts.Contains(word))
                {
                    Error(map.Node, IvrErrorCodes.MissingPrompt, $"say node '{name}' needs prompt '{word}' ({Path.Combine(prompts.Directory, word + ".wav")} is missing)");
                    break;
                }
            }

            var value = Expr(map, "value", required: true);
            var node = new SayNode(name, location)
            {
                Mode = mode ?? SayMode.Number,
                Value = value!,
                Before = Prompts(map, "before", false),
                After = Prompts(map, "after", false),
                BargeIn = Bool(map, "barge_in") ?? false,
                Queues = value is null ? [] : [.. value.Queues.Distinct(StringComparer.Ordinal)],
            };
            node.Next = Target(node, map, "next", "next")!;
            return node;
        }

        private QueueNode ReadQueue(string name, SourceLocation location, MapReader map)
        {
            var queue = Str(map, "queue", false);
            var skills = StringList(map, "skills");
            if (queue is null && skills.Count == 0)
            {
                Error(map.Node, IvrErrorCodes.MissingKey, $"queue node '{name}' needs 'queue' or 'skills'");
            }

            char? exitKey = null;
            if (map.Get("exit_key") is YamlScalarNode exitNode)
            {
                exitKey = DtmfKey(exitNode.Value);
                if (exitKey is null)
                {
                    Error(exitNode, IvrErrorCodes.InvalidValue, $"exit_key must be one key (0-9, *, #, A-D), not '{exitNode.Value}'");
                }
            }

            var node = new QueueNode(name, location)
            {
                Prompts = Prompts(map, "prompts", false),
                Queue = queue,
                Skills = [.. skills],
                Priority = Int(map, "priority", 0, 100) ?? 0,
                CallbackOffer = Bool(map, "callback_offer") ?? false,
                ExitKey = exitKey,
            };
            if (map.Get("exit_key") is not null)
            {
                node.Exit = Target(node, map, "on_exit", "exit " + exitKey);
            }
            else if (map.Get("on_exit") is { } onExit)
            {
                Error(onExit, IvrErrorCodes.InvalidValue, $"queue node '{name}' has 'on_exit' but no 'exit_key'");
            }

            return node;
        }

        private TransferNode? ReadTransfer(string name, SourceLocation location, MapReader map)
        {
            var targets = new[] { ("queue", TransferKind.Queue), ("agent", TransferKind.Agent), ("uri", TransferKind.Uri) }
                .Where(t => map.Get(t.Item1) is not null).ToList();
            if (targets.Count != 1)
            {
                Error(map.Node, targets.Count == 0 ? IvrErrorCodes.MissingKey : IvrErrorCodes.InvalidValue, $"transfer node '{name}' needs exactly one of 'queue', 'agent' or 'uri'");
                return null;
            }

            var (key, kind) = targets[0];
            var destination = Str(map, key, true) ?? string.Empty;
            if (kind == TransferKind.Uri && !destination.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) && !destination.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
            {
                Error(map.Get(key)!, IvrErrorCodes.InvalidValue, $"uri must be a sip: or sips: URI, not '{destination}'");
            }

            return new TransferNode(name, location) { Prompts = Prompts(map, "prompts", false), Target = kind, Destination = destination };
        }

        private CallbackNode ReadCallback(string name, SourceLocation location, MapReader map) => new(name, location)
        {
            Prompts = Prompts(map, "prompts", false),
            Queue = Str(map, "queue", true) ?? string.Empty,
            Number = Expr(map, "number", required: false),
        };

        private VoicemailNode ReadVoicemail(string name, SourceLocation location, MapReader map)
        {
            var maxLength = Duration(map, "max_length", TimeSpan.FromMinutes(2));
            if (maxLength > TimeSpan.FromMinutes(10) || maxLength < TimeSpan.FromSeconds(1))
            {
                Error(map.Get("max_length")!, IvrErrorCodes.InvalidValue, "max_length must be between 1s and 10m");
            }

            return new VoicemailNode(name, location)
            {
                Prompts = Prompts(map, "prompt", false),
                Mailbox = Str(map, "mailbox", true) ?? string.Empty,
                MaxLength = maxLength,
                Beep = Bool(map, "beep") ?? true,
                ClosingPrompts = Prompts(map, "closing_prompt", false),
            };
        }

        private FrozenDictionary<string, BusinessSchedule> ReadSchedules(YamlNode hours)
        {
            var result = new Dictionary<string, BusinessSchedule>(StringComparer.Ordinal);
            if (hours is not YamlMappingNode hoursMap)
            {
                Error(hours, IvrErrorCodes.InvalidValue, "'hours' must be a mapping of schedule name to schedule");
                return result.ToFrozenDictionary(StringComparer.Ordinal);
            }

            foreach (var (key, value) in hoursMap.Children)
            {
                var scheduleName = (key as YamlScalarNode)?.Value ?? string.Empty;
                var map = Map(value, $"hours '{scheduleName}'", HoursKeys);
                if (map is null)
                {
                    continue;
                }

                var zoneId = Str(map, "timezone", true);
                DateTimeZone? zone = null;
                if (zoneId is not null)
                {
                    zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId);
                    if (zone is null)
                    {
                        Error(map.Get("timezone")!, IvrErrorCodes.InvalidValue, $"unknown time zone '{zoneId}' (use a tzdb name such as Europe/Paris or America/New_York)");
                    }
                }

                var days = Enumerable.Range(0, 7).Select(_ => new List<(LocalTime, LocalTime, bool)>()).ToArray();
                if (map.Get("open") is YamlMappingNode open)
                {
                    foreach (var (dayKey, windows) in open.Children)
                    {
                        var dayIndexes = ParseDays((dayKey as YamlScalarNode)?.Value ?? string.Empty);
                        if (dayIndexes is null)
                        {
                            Error(dayKey, IvrErrorCodes.InvalidValue, $"invalid days '{dayKey}': use mon..sun, ranges like mon-fri, lists like sat,sun, or daily");
                            continue;
                        }

                        var parsed = ParseWindows(windows);
                        foreach (var day in dayIndexes)
                        {
                            days[day].AddRange(parsed);
                        }
                    }
                }
                else
                {
                    Error(map.Get("open") ?? map.Node, IvrErrorCodes.MissingKey, $"hours '{scheduleName}' needs 'open' (days: \"HH:mm-HH:mm\")");
                }

                var holidays = new HashSet<LocalDate>();
                if (map.Get("holidays") is { } holidayNode)
                {
                    if (holidayNode is YamlSequenceNode holidayList)
                    {
                        foreach (var item in holidayList.Children)
                        {
                            var parse = item is YamlScalarNode { Value: { } d } ? LocalDatePattern.Iso.Parse(d) : null;
                            if (parse is { Success: true })
                            {
                                holidays.Add(parse.Value);
                            }
                            else
                            {
                                Error(item, IvrErrorCodes.InvalidValue, $"invalid holiday '{item}': use yyyy-MM-dd");
                            }
                        }
                    }
                    else
                    {
                        Error(holidayNode, IvrErrorCodes.InvalidValue, "'holidays' must be a list of dates (yyyy-MM-dd)");
                    }
                }

                if (zone is not null)
                {
                    result[scheduleName] = new BusinessSchedule(scheduleName, zone, [.. days.Select(d => d.ToArray())], holidays);
                }
            }

            return result.ToFrozenDictionary(StringComparer.Ordinal);
        }

        private List<(LocalTime, LocalTime, bool)> ParseWindows(YamlNode node)
        {
            var result = new List<(LocalTime, LocalTime, bool)>();
            if (node is not YamlScalarNode { Value: { } text })
            {
                Error(node, IvrErrorCodes.InvalidValue, "opening hours must be text like \"08:00-18:00\" or \"closed\"");
                return result;
            }

            if (text == "closed")
            {
                return result;
            }

            foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var dash = part.IndexOf('-', StringComparison.Ordinal);
                var start = dash > 0 ? LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(part[..dash].Trim()) : null;
                var endText = dash > 0 ? part[(dash + 1)..].Trim() : string.Empty;
                var toMidnight = endText == "24:00";
                var end = toMidnight ? null : LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(endText);
                if (start is not { Success: true } || (!toMidnight && end is not { Success: true }) || (!toMidnight && end!.Value <= start.Value))
                {
                    Error(node, IvrErrorCodes.InvalidValue, $"invalid opening window '{part}': use HH:mm-HH:mm with the end after the start (24:00 for midnight)");
                    continue;
                }

                result.Add((start.Value, toMidnight ? LocalTime.MaxValue : end!.Value, toMidnight));
            }

            return result;
        }

        private static int[]? ParseDays(string text)
        {
            if (text == "daily")
            {
                return [0, 1, 2, 3, 4, 5, 6];
            }

            var result = new List<int>();
            foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                var dash = part.IndexOf('-', StringComparison.Ordinal);
                var first = Array.IndexOf(Days, dash > 0 ? part[..dash] : part);
                var last = dash > 0 ? Array.IndexOf(Days, part[(dash + 1)..]) : first;
                if (first < 0 || last < first)
                {
                    return null;
                }

                for (var d = first; d <= last; d++)
                {
                    result.Add(d);
                }
            }

            return [.. result];
        }

        // ---- typed accessors ---------------------------------------------------------------------------------

        private MapReader? Map(YamlNode node, string what, string[] allowed)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, IvrErrorCodes.InvalidValue, $"{what} must be a mapping (key: value)");
                return null;
            }

            var reader = new MapReader(mapping, what);
            foreach (var (key, value) in mapping.Children)
            {
                if (key is not YamlScalarNode { Value: { } keyText })
                {
                    Error(key, IvrErrorCodes.InvalidValue, $"keys in {what} must be plain names");
                    continue;
                }

                if (Array.IndexOf(allowed, keyText) < 0)
                {
                    Error(key, IvrErrorCodes.UnknownKey, $"unknown key '{keyText}' in {what}{Suggest.DidYouMean(keyText, allowed)}; allowed: {string.Join(", ", allowed)}");
                    continue;
                }

                reader.Entries[keyText] = value;
            }

            return reader;
        }

        private static YamlNode? Child(YamlMappingNode mapping, string key)
        {
            foreach (var (k, v) in mapping.Children)
            {
                if (k is YamlScalarNode { Value: { } text } && text == key)
                {
                    return v;
                }
            }

            return null;
        }

        private string? Str(MapReader map, string key, bool required)
        {
            var node = map.Get(key);
            if (node is null)
            {
                if (required)
                {
                    Error(map.Node, IvrErrorCodes.MissingKey, $"{map.What} needs '{key}'");
                }

                return null;
            }

            if (node is YamlScalarNode { Value: { Length: > 0 } value })
            {
                return value;
            }

            Error(node, IvrErrorCodes.InvalidValue, $"'{key}' must be a single non-empty value");
            return null;
        }

        private List<string> StringList(MapReader map, string key)
        {
            var result = new List<string>();
            switch (map.Get(key))
            {
                case null:
                    break;
                case YamlScalarNode { Value: { Length: > 0 } value }:
                    result.Add(value);
                    break;
                case YamlSequenceNode sequence:
                    foreach (var item in sequence.Children)
                    {
                        if (item is YamlScalarNode { Value: { Length: > 0 } v })
                        {
                            result.Add(v);
                        }
                        else
                        {
                            Error(item, IvrErrorCodes.InvalidValue, $"items of '{key}' must be single values");
                        }
                    }

                    break;
                case var other:
                    Error(other, IvrErrorCodes.InvalidValue, $"'{key}' must be a value or a list of values");
                    break;
            }

            return result;
        }

        private string[] Prompts(MapReader map, string key, bool required)
        {
            var node = map.Get(key);
            if (node is null)
            {
                if (required)
                {
                    Error(map.Node, IvrErrorCodes.MissingKey, $"{map.What} needs '{key}'");
                }

                return [];
            }

            var items = node is YamlSequenceNode sequence ? sequence.Children.ToList() : [node];
            var result = new List<string>(items.Count);
            foreach (var item in items)
            {
                if (item is not YamlScalarNode { Value: { Length: > 0 } prompt } || !PromptNameRegex().IsMatch(prompt) || prompt.Contains("..", StringComparison.Ordinal))
                {
                    Error(item, IvrErrorCodes.InvalidValue, $"invalid prompt name '{item}' in '{key}': a file name under prompts/ without .wav");
                    continue;
                }

                var name = prompt.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) ? prompt[..^4] : prompt;
                if (!prompts.Contains(name))
                {
                    Error(item, IvrErrorCodes.MissingPrompt, $"prompt '{name}' not found ({Path.Combine(prompts.Directory, name + ".wav")} is missing)");
                }

                result.Add(name);
            }

            return [.. result];
        }

        private int? Int(MapReader map, string key, int min, int max, bool required = false)
        {
            if (Str(map, key, required) is not { } text)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            Error(map.Get(key)!, IvrErrorCodes.InvalidValue, $"'{key}' must be a whole number from {min} to {max}, not '{text}'");
            return null;
        }

        private bool? Bool(MapReader map, string key)
        {
            switch (Str(map, key, false))
            {
                case null:
                    return null;
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
                case var text:
                    Error(map.Get(key)!, IvrErrorCodes.InvalidValue, $"'{key}' must be true or false, not '{text}'");
                    return null;
            }
        }

        private TimeSpan Duration(MapReader map, string key, TimeSpan fallback)
        {
            if (Str(map, key, false) is not { } text)
            {
                return fallback;
            }

            var match = DurationRegex().Match(text);
            if (match.Success && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount <= 86_400_000)
            {
                var value = match.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "h" => TimeSpan.FromHours(amount),
                    _ => TimeSpan.FromSeconds(amount),
                };
                if (value > TimeSpan.Zero && value <= TimeSpan.FromHours(1))
                {
                    return value;
                }
            }

            Error(map.Get(key)!, IvrErrorCodes.InvalidValue, $"'{key}' must be a duration like 500ms, 5s or 2m (up to 1h), not '{text}'");
            return fallback;
        }

        private IvrEdge? Target(IvrNode node, MapReader map, string key, string trigger)
        {
            var target = Str(map, key, true);
            return target is null ? null : node.AddEdge(trigger, target, Location(map.Get(key)!));
        }

        private CompiledExpression? Expr(MapReader map, string key, bool required)
        {
            var node = map.Get(key);
            if (node is null)
            {
                if (required)
                {
                    Error(map.Node, IvrErrorCodes.MissingKey, $"{map.What} needs '{key}'");
                }

                return null;
            }

            return Compile(node);
        }

        private CompiledExpression? Compile(YamlNode node)
        {
            if (node is not YamlScalarNode { Value: { } text } scalar)
            {
                Error(node, IvrErrorCodes.InvalidExpression, "an expression must be a single value");
                return null;
            }

            var shift = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
            if (!ExpressionParser.TryCompile(text, out var expression, out var error))
            {
                var at = Location(node);
                Add(at with { Column = at.Column + shift + error.Offset }, IvrErrorCodes.InvalidExpression, $"{error.Message} in expression \"{text}\"");
                return null;
            }

            foreach (var (schedule, offset) in expression!.Schedules)
            {
                _scheduleUses.Add((schedule, node));
                _ = offset;
            }

            return expression;
        }

        private static char? DtmfKey(string? text) =>
            text is { Length: 1 } && (char.IsAsciiDigit(text[0]) || text[0] is '*' or '#' or 'A' or 'B' or 'C' or 'D') ? text[0] : null;

        private SourceLocation Location(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

        private void Error(YamlNode node, string code, string message) => Add(Location(node), code, message);

        internal void Add(SourceLocation location, string code, string message) =>
            _diagnostics.Add(new IvrDiagnostic(location, code, message));

        private static string StripMark(string message)
        {
            // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is already ours.
            var marker = message.LastIndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith("(Line", StringComparison.Ordinal) && marker > 0 ? message[(marker + 3)..] : message;
        }
    }

    private sealed class MapReader(YamlMappingNode node, string what)
    {
        public YamlMappingNode Node { get; } = node;

        public string What { get; } = what;

        public Dictionary<string, YamlNode> Entries { get; } = new(StringComparer.Ordinal);

        public YamlNode? Get(string key) => Entries.GetValueOrDefault(key);
    }

    /// <summary>Reachability, ways out and input-less loops, on a graph whose targets all resolve.</summary>
    private sealed class GraphChecks(Reader reader, List<IvrNode> nodes, IvrNode start)
    {
        public void Run()
        {
            var reachable = new HashSet<IvrNode> { start };
            var stack = new Stack<IvrNode>([start]);
            while (stack.Count > 0)
            {
                foreach (var edge in stack.Pop().Edges)
                {
                    if (reachable.Add(edge.Target))
                    {
                        stack.Push(edge.Target);
                    }
                }
            }

            foreach (var node in nodes.Where(n => !reachable.Contains(n)))
            {
                reader.Add(node.Location, IvrErrorCodes.Unreachable, $"node '{node.Name}' is unreachable from start node '{start.Name}'");
            }

            // Ways out: a node can finish the call if a terminal node is reachable from it.
            var canFinish = new HashSet<IvrNode>(nodes.Where(n => n.IsTerminal));
            bool changed;
            do
            {
                changed = false;
                foreach (var node in nodes)
                {
                    if (!canFinish.Contains(node) && node.Edges.Exists(e => canFinish.Contains(e.Target)))
                    {
                        changed = canFinish.Add(node) || changed;
                    }
                }
            }
            while (changed);

            foreach (var node in nodes.Where(n => reachable.Contains(n) && !canFinish.Contains(n) && (n.WaitsForInput || n == start)))
            {
                reader.Add(node.Location, IvrErrorCodes.NoWayOut, $"{node.Kind.ToString().ToLowerInvariant()} node '{node.Name}' has no way out: none of its paths reaches queue, transfer, callback, voicemail or hangup");
            }

            // A failure target that returns to the same menu/collect gives a silent caller no way out.
            foreach (var node in nodes)
            {
                var failure = node switch
                {
                    MenuNode m => m.Failure,
                    CollectNode c => c.Failure,
                    _ => null,
                };
                if (failure is not null && ReferenceEquals(failure.Target, node))
                {
                    reader.Add(failure.Location, IvrErrorCodes.NoWayOut, $"on_failure of {node.Kind.ToString().ToLowerInvariant()} node '{node.Name}' leads back to itself: a caller who never answers would never leave");
                }
            }

            // Loops with no input: a cycle through nodes that never wait for the caller spins forever.
            var state = new Dictionary<IvrNode, int>();
            var path = new List<IvrNode>();
            var reported = new HashSet<IvrNode>();
            foreach (var node in nodes)
            {
                Visit(node, state, path, reported);
            }
        }

        private void Visit(IvrNode node, Dictionary<IvrNode, int> state, List<IvrNode> path, HashSet<IvrNode> reported)
        {
            if (node.WaitsForInput || state.GetValueOrDefault(node) == 2)
            {
                return;
            }

            state[node] = 1;
            path.Add(node);
            foreach (var edge in node.Edges)
            {
                var target = edge.Target;
                if (target.WaitsForInput)
                {
                    continue;
                }

                if (state.GetValueOrDefault(target) == 1)
                {
                    var cycle = path.Skip(path.IndexOf(target)).ToList();
                    if (reported.Add(target))
                    {
                        var names = string.Join(" -> ", cycle.Select(n => n.Name).Append(target.Name));
                        reader.Add(target.Location, IvrErrorCodes.InputlessLoop, $"loop with no input: {names} never waits for the caller (add a menu or collect)");
                    }
                }
                else
                {
                    Visit(target, state, path, reported);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
        }
    }
}
