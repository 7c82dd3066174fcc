using System.Globalization;
using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Ivr.Simulation;
using NodaTime;

namespace Acd.Ivr.Tooling;

/// <summary>
/// <c>acd ivr validate|graph|simulate</c>: tools for script authors. Returns a process exit code: 0 success,
/// 1 script errors, 2 usage errors.
/// </summary>
public static class IvrCommandLine
{
    private const string Usage = """
        usage:
          acd ivr validate [dir]                      check every script in dir (default ivr-scripts)
          acd ivr graph <script> [--format mermaid|dot] [--output file]
                                                      draw a script (a .yaml path, or a name in ivr-scripts)
          acd ivr simulate <script> [--digits 2,123456#] [--caller +15551234567] [--dialed 100]
                                    [--at 2026-11-23T10:00[+01:00]] [--queue billing:ewt=300,agents=0,waiting=4]...
                                    [--hangup-at node] [--start node]
                                                      run a script without a phone; --digits gives one entry per
                                                      menu/collect attempt (empty entry = silence); --at without an
                                                      offset is local time in the script's first hours time zone
          common option: --dir <dir>                  script directory (default ivr-scripts)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await (args.Length == 0 ? stderr : stdout).WriteLineAsync(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        if (!Options.TryParse(args.AsSpan(1), out var options, out var error))
        {
            await stderr.WriteLineAsync(error);
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        switch (args[0])
        {
            case "validate":
                return await ValidateAsync(options, stdout, stderr);
            case "graph":
                return await GraphAsync(options, stdout, stderr);
            case "simulate":
                return await SimulateAsync(options, stdout, stderr);
            default:
                await stderr.WriteLineAsync($"unknown ivr command '{args[0]}'{Suggest.DidYouMean(args[0], ["validate", "graph", "simulate"])}");
                await stderr.WriteLineAsync(Usage);
                return 2;
        }
    }

    private static async Task<int> ValidateAsync(Options options, TextWriter stdout, TextWriter stderr)
    {
        var directory = FindUpwards(options.Positional.Count > 0 ? options.Positional[0] : options.Directory);
        var (files, diagnostics) = IvrScriptCatalog.LoadDirectory(Path.GetFullPath(directory), null, DateTimeOffset.UtcNow);
        var set = IvrScriptCatalog.Build(1, files.Where(f => f.Result.Script is not null).Select(f => f.Result.Script!), diagnostics);
        foreach (var diagnostic in set.Diagnostics)
        {
            await stderr.WriteLineAsync(Relative(diagnostic));
        }

        foreach (var (file, result) in files)
        {
            var status = result.Script is { } s ? $"ok     {s.Name} ({s.Nodes.Length} nodes{(s.Numbers.Count > 0 ? ", numbers " + string.Join(" ", s.Numbers) : string.Empty)})" : $"FAILED ({result.Diagnostics.Count} error{(result.Diagnostics.Count == 1 ? "" : "s")})";
            await stdout.WriteLineAsync($"{Path.GetRelativePath(Environment.CurrentDirectory, file)}: {status}");
        }

        await stdout.WriteLineAsync($"{files.Count} script(s), {set.Diagnostics.Count} error(s)");
        return set.Diagnostics.Count == 0 && files.Count > 0 ? 0 : 1;
    }

    private static async Task<int> GraphAsync(Options options, TextWriter stdout, TextWriter stderr)
    {
        var script = await LoadOneAsync(options, stderr);
        if (script is null)
        {
            return 1;
        }

        string text;
        switch (options.Format)
        {
            case "mermaid":
                text = IvrMachineFactory.ToMermaid(script);
                break;
            case "dot":
                text = IvrMachineFactory.ToDot(script);
                break;
            default:
                await stderr.WriteLineAsync($"unknown format '{options.Format}': use mermaid or dot");
                return 2;
        }

        if (options.Output is { } output)
        {
            await File.WriteAllTextAsync(output, text);
            await stdout.WriteLineAsync($"wrote {output}");
        }
        else
        {
            await stdout.WriteLineAsync(text);
        }

        return 0;
    }

    private static async Task<int> SimulateAsync(Options options, TextWriter stdout, TextWriter stderr)
    {
        var script = await LoadOneAsync(options, stderr);
        if (script is null)
        {
            return 1;
        }

        if (options.StartNode is { } start && script.KindOf(start) is null)
        {
            await stderr.WriteLineAsync($"script '{script.Name}' has no node '{start}'{Suggest.DidYouMean(start, script.NodeNames)}");
            return 2;
        }

        var zone = script.Schedules.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;
        DateTimeOffset at;
        if (options.At is null)
        {
            at = DateTimeOffset.UtcNow;
        }
        else if (TryParseAt(options.At, zone, out var parsed))
        {
            at = parsed;
        }
        else
        {
            await stderr.WriteLineAsync($"invalid --at '{options.At}': use 2026-11-23T10:00 or 2026-11-23T10:00+01:00");
            return 2;
        }

        var simulation = await IvrSimulator.RunAsync(script, new IvrSimulationOptions
        {
            Digits = options.Digits,
            Caller = options.Caller,
            Dialed = options.Dialed ?? script.Numbers.FirstOrDefault() ?? string.Empty,
            At = at,
            Queues = options.Queues,
            HangupAt = options.HangupAt,
            StartNode = options.StartNode,
        });

        var result = simulation.Result;
        await stdout.WriteLineAsync($"script   {script.Name} ({Path.GetRelativePath(Environment.CurrentDirectory, script.File)})");
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"call     caller {options.Caller}, dialed {options.Dialed ?? script.Numbers.FirstOrDefault() ?? "-"}, at {Instant.FromDateTimeOffset(at).InZone(zone):uuuu-MM-dd'T'HH:mm:ss o<g>} {zone.Id}"));
        await stdout.WriteLineAsync();
        foreach (var step in simulation.Trace)
        {
            await stdout.WriteLineAsync(step.ToString());
        }

        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync("path     " + string.Join(" -> ", result.Path));
        await stdout.WriteLineAsync("prompts  " + string.Join(", ", simulation.Prompts));
        await stdout.WriteLineAsync("vars     " + (result.Variables.Count == 0 ? "(none)" : string.Join(", ", result.Variables.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"))));
        await stdout.WriteLineAsync("language " + result.Language);
        await stdout.WriteLineAsync("outcome  " + IvrSimulator.Describe(result.Outcome));
        return 0;
    }

    /// <summary>An instant with an offset (…Z, …+01:00), or a local time in <paramref name="zone"/>.</summary>
    private static bool TryParseAt(string text, DateTimeZone zone, out DateTimeOffset at)
    {
        var time = text.IndexOf('T', StringComparison.Ordinal);
        var hasOffset = time > 0 && (text.EndsWith('Z') || text.IndexOfAny(['+', '-'], time) > 0);
        if (hasOffset)
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out at);
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            at = LocalDateTime.FromDateTime(local).InZoneLeniently(zone).ToDateTimeOffset();
            return true;
        }

        at = default;
        return false;
    }

    private static async Task<IvrScript?> LoadOneAsync(Options options, TextWriter stderr)
    {
        if (options.Positional.Count == 0)
        {
            await stderr.WriteLineAsync("missing <script>: a .yaml file or a script name");
            return null;
        }

        var name = options.Positional[0];
        var directory = FindUpwards(options.Directory);
        var path = File.Exists(FindUpwards(name)) ? FindUpwards(name)
            : new[] { ".yaml", ".yml" }.Select(ext => Path.Combine(directory, name + ext)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            await stderr.WriteLineAsync($"script '{name}' not found (looked for {name}, {Path.Combine(options.Directory, name + ".yaml")})");
            return null;
        }

        var full = Path.GetFullPath(path);
        var prompts = IvrPromptLibrary.FromDirectory(Path.Combine(Path.GetDirectoryName(full)!, "prompts"));
        var result = IvrScriptLoader.LoadFile(full, prompts, DateTimeOffset.UtcNow);
        foreach (var diagnostic in result.Diagnostics)
        {
            await stderr.WriteLineAsync(Relative(diagnostic));
        }

        return result.Script;
    }

    /// <summary>
    /// A relative path that does not exist here is looked up in the parent directories too, so the tools work from
    /// anywhere inside a checkout (<c>dotnet run --project src/Acd.Server</c> runs in the project directory).
    /// </summary>
    private static string FindUpwards(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || Directory.Exists(path))
        {
            return path;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return path;
    }

    private static string Relative(IvrDiagnostic diagnostic) =>
        (diagnostic with { Location = diagnostic.Location with { File = Path.GetRelativePath(Environment.CurrentDirectory, diagnostic.Location.File) } }).ToString();

    private sealed class Options
    {
        public List<string> Positional { get; } = [];

        public string Directory { get; private set; } = "ivr-scripts";

        public string Format { get; private set; } = "mermaid";

        public string? Output { get; private set; }

        public List<string> Digits { get; } = [];

        public string Caller { get; private set; } = "anonymous";

        public string? Dialed { get; private set; }

        public string? At { get; private set; }

        public string? HangupAt { get; private set; }

        public string? StartNode { get; private set; }

        public Dictionary<string, IvrQueueStatus> Queues { get; } = new(StringComparer.Ordinal);

        public static bool TryParse(ReadOnlySpan<string> args, out Options options, out string error)
        {
            options = new Options();
            error = string.Empty;
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                if (!arg.StartsWith("--", StringComparison.Ordinal))
                {
                    options.Positional.Add(arg);
                    continue;
                }

                if (i + 1 >= args.Length)
                {
                    error = $"option {arg} needs a value";
                    return false;
                }

                var value = args[++i];
                switch (arg)
                {
                    case "--dir":
                        options.Directory = value;
                        break;
                    case "--format":
                        options.Format = value;
                        break;
                    case "--output":
                        options.Output = value;
                        break;
                    case "--digits":
                        options.Digits.AddRange(value.Split(','));
                        break;
                    case "--caller":
                        options.Caller = value;
                        break;
                    case "--dialed":
                        options.Dialed = value;
                        break;
                    case "--at":
                        options.At = value;
                        break;
                    case "--hangup-at":
                        options.HangupAt = value;
                        break;
                    case "--start":
                        options.StartNode = value;
                        break;
                    case "--queue":
                        if (!TryParseQueue(value, out var queue, out var status))
                        {
                            error = $"invalid --queue '{value}': use name:ewt=300,agents=2,waiting=5 (ewt in seconds)";
                            return false;
                        }

                        options.Queues[queue] = status;
                        break;
                    default:
                        error = $"unknown option {arg}{Suggest.DidYouMean(arg, ["--dir", "--format", "--output", "--digits", "--caller", "--dialed", "--at", "--queue", "--hangup-at", "--start"])}";
                        return false;
                }
            }

            return true;
        }

        private static bool TryParseQueue(string text, out string queue, out IvrQueueStatus status)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            queue = colon > 0 ? text[..colon] : text;
            status = new IvrQueueStatus(TimeSpan.Zero, 1, 0);
            if (queue.Length == 0)
            {
                return false;
            }

            if (colon < 0)
            {
                return true;
            }

            foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !int.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    return false;
                }

                switch (part[..eq])
                {
                    case "ewt":
                        status = status with { EstimatedWait = TimeSpan.FromSeconds(number) };
                        break;
                    case "agents":
                        status = status with { AgentsAvailable = number };
                        break;
                    case "waiting":
                        status = status with { CallsWaiting = number };
                        break;
                    default:
                        return false;
                }
            }

            return true;
        }
    }
}
