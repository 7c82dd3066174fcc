using System.Collections.Frozen;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Ivr.Catalog;

/// <summary>Where scripts live and how edits are picked up.</summary>
public sealed record IvrCatalogOptions
{
    /// <summary>Directory of *.yaml / *.yml scripts (default "ivr-scripts").</summary>
    public string Directory { get; init; } = "ivr-scripts";

    /// <summary>Prompt directory; default "&lt;Directory&gt;/prompts".</summary>
    public string? PromptDirectory { get; init; }

    /// <summary>When the directory holds no script at the first load, write the embedded samples there (<see cref="IvrSamples"/>).</summary>
    public bool SeedWithSamples { get; init; }

    /// <summary>Quiet time after the last file change before reloading (editors write files in bursts). Default 500 ms.</summary>
    public TimeSpan ReloadDebounce { get; init; } = TimeSpan.FromMilliseconds(500);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory))
        {
            errors.Add($"{nameof(Directory)} is required");
        }

        if (ReloadDebounce < TimeSpan.Zero || ReloadDebounce > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{nameof(ReloadDebounce)} must be between 0 and 1 minute (was {ReloadDebounce})");
        }

        return errors;
    }
}

/// <summary>An immutable set of compiled scripts: what new calls use until the next reload.</summary>
public sealed class IvrScriptSet
{
    internal IvrScriptSet(int version, FrozenDictionary<string, IvrScript> byName, FrozenDictionary<string, IvrScript> byNumber, IReadOnlyList<IvrDiagnostic> diagnostics)
    {
        Version = version;
        Scripts = byName;
        ByNumber = byNumber;
        Diagnostics = diagnostics;
    }

    /// <summary>Increases with every reload.</summary>
    public int Version { get; }

    /// <summary>Serving scripts by name.</summary>
    public IReadOnlyDictionary<string, IvrScript> Scripts { get; }

    /// <summary>Errors of the last load (refused files keep serving their previous version, if any).</summary>
    public IReadOnlyList<IvrDiagnostic> Diagnostics { get; }

    private FrozenDictionary<string, IvrScript> ByNumber { get; }

    public bool TryGetScript(string name, out IvrScript script) => Scripts.TryGetValue(name, out script!);

    /// <summary>The number plan: the script that answers <paramref name="dialed"/>.</summary>
    public bool TryGetByNumber(string dialed, out IvrScript script) => ByNumber.TryGetValue(dialed, out script!);
}

/// <summary>
/// Loads every script of a directory and swaps in a new immutable <see cref="IvrScriptSet"/> on
/// <see cref="Reload"/> (explicit, or debounced from a FileSystemWatcher). A broken script is refused and its
/// previous version keeps serving; calls in progress keep the version they started with.
/// </summary>
public sealed class IvrScriptCatalog : IDisposable
{
    private readonly IvrCatalogOptions _options;
    private readonly TimeProvider _time;
    private readonly IvrMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private readonly Lock _debounceLock = new();
    private Dictionary<string, IvrScript> _lastGoodByFile = new(StringComparer.Ordinal);
    private IvrScriptSet _current;
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private bool _disposed;

    public IvrScriptCatalog(IvrCatalogOptions options, TimeProvider time, IvrMetrics metrics, ILogger<IvrScriptCatalog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(metrics);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid IVR catalog options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _current = new IvrScriptSet(0, FrozenDictionary<string, IvrScript>.Empty, FrozenDictionary<string, IvrScript>.Empty, []);
    }

    /// <summary>The scripts new calls should use. Read once per call and keep the script.</summary>
    public IvrScriptSet Current => Volatile.Read(ref _current);

    /// <summary>Full path of the script directory.</summary>
    public string Directory => Path.GetFullPath(_options.Directory);

    /// <summary>Reloads every script now and atomically publishes the new set. Never throws for bad scripts.</summary>
    public IvrScriptSet Reload()
    {
        lock (_reloadLock)
        {
            var previous = _current;
            if (_options.SeedWithSamples && previous.Version == 0 && !HasScripts(Directory))
            {
                IvrSamples.ExtractTo(Directory);
            }

            var loaded = LoadDirectory(Directory, _options.PromptDirectory, _time.GetUtcNow());
            var byFile = new Dictionary<string, IvrScript>(StringComparer.Ordinal);
            var diagnostics = new List<IvrDiagnostic>(loaded.Diagnostics);
            foreach (var (file, result) in loaded.Files)
            {
                if (result.Script is { } script)
                {
                    byFile[file] = script;
                    continue;
                }

                _metrics.ScriptRejected(file);
                foreach (var diagnostic in result.Diagnostics)
                {
                    Log.ScriptRejected(_logger, file, diagnostic.ToString());
                }

                if (_lastGoodByFile.TryGetValue(file, out var lastGood))
                {
                    byFile[file] = lastGood; // refused: the version that worked keeps serving
                }
            }

            var set = Build(previous.Version + 1, byFile.Values, diagnostics);
            _lastGoodByFile = byFile;
            Volatile.Write(ref _current, set);
            Log.CatalogReloaded(_logger, Directory, set.Scripts.Count, set.Diagnostics.Count);
            return set;
        }
    }

    /// <summary>Watches the directory and reloads after <see cref="IvrCatalogOptions.ReloadDebounce"/> of quiet.</summary>
    public void StartWatching()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_watcher is not null || !System.IO.Directory.Exists(Directory))
        {
            return;
        }

        _watcher = new FileSystemWatcher(Directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName,
        };
        _watcher.Changed += (_, _) => OnFileChanged();
        _watcher.Created += (_, _) => OnFileChanged();
        _watcher.Deleted += (_, _) => OnFileChanged();
        _watcher.Renamed += (_, _) => OnFileChanged();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Raised after a change notification was taken (tests wait on it instead of sleeping).</summary>
    internal event Action? ChangeObserved;

    /// <summary>A file changed: (re)start the debounce timer; the reload runs once the changes stop.</summary>
    internal void OnFileChanged()
    {
        OnFileChangedCore();
        ChangeObserved?.Invoke();
    }

    private void OnFileChangedCore()
    {
        lock (_debounceLock)
        {
            if (_disposed)
            {
                return;
            }

            _debounce ??= _time.CreateTimer(static s => ((IvrScriptCatalog)s!).DebouncedReload(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _debounce.Change(_options.ReloadDebounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void DebouncedReload()
    {
        try
        {
            Reload();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ReloadFailed(_logger, Directory, e);
        }
    }

    public void Dispose()
    {
        lock (_debounceLock)
        {
            _disposed = true;
            _debounce?.Dispose();
            _debounce = null;
        }

        _watcher?.Dispose();
        _watcher = null;
    }

    private static bool HasScripts(string directory) =>
        System.IO.Directory.Exists(directory)
        && (System.IO.Directory.EnumerateFiles(directory, "*.yaml").Any() || System.IO.Directory.EnumerateFiles(directory, "*.yml").Any());

    /// <summary>Loads every script file of <paramref name="directory"/> (sorted by name for stable output).</summary>
    internal static (List<(string File, IvrLoadResult Result)> Files, List<IvrDiagnostic> Diagnostics) LoadDirectory(string directory, string? promptDirectory, DateTimeOffset now)
    {
        var files = new List<(string, IvrLoadResult)>();
        var diagnostics = new List<IvrDiagnostic>();
        if (!System.IO.Directory.Exists(directory))
        {
            diagnostics.Add(new IvrDiagnostic(new SourceLocation(directory, 1, 1), IvrErrorCodes.Io, "script directory does not exist"));
            return (files, diagnostics);
        }

        var prompts = IvrPromptLibrary.FromDirectory(promptDirectory ?? Path.Combine(directory, "prompts"));
        var paths = System.IO.Directory.EnumerateFiles(directory, "*.yaml")
            .Concat(System.IO.Directory.EnumerateFiles(directory, "*.yml"))
            .Order(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var result = IvrScriptLoader.LoadFile(path, prompts, now);
            files.Add((path, result));
            diagnostics.AddRange(result.Diagnostics);
        }

        return (files, diagnostics);
    }

    /// <summary>Builds a set, refusing duplicate script names and dialed numbers (first file in name order wins).</summary>
    internal static IvrScriptSet Build(int version, IEnumerable<IvrScript> scripts, List<IvrDiagnostic> diagnostics)
    {
        var byName = new Dictionary<string, IvrScript>(StringComparer.Ordinal);
        var byNumber = new Dictionary<string, IvrScript>(StringComparer.Ordinal);
        foreach (var script in scripts.OrderBy(s => s.File, StringComparer.Ordinal))
        {
            if (!byName.TryAdd(script.Name, script))
            {
                diagnostics.Add(new IvrDiagnostic(new SourceLocation(script.File, 1, 1), IvrErrorCodes.Duplicate, $"script name '{script.Name}' is already used by {byName[script.Name].File}"));
                continue;
            }

            foreach (var number in script.Numbers)
            {
                if (!byNumber.TryAdd(number, script))
                {
                    diagnostics.Add(new IvrDiagnostic(new SourceLocation(script.File, 1, 1), IvrErrorCodes.Duplicate, $"dialed number '{number}' is already answered by script '{byNumber[number].Name}'"));
                }
            }
        }

        return new IvrScriptSet(version, byName.ToFrozenDictionary(StringComparer.Ordinal), byNumber.ToFrozenDictionary(StringComparer.Ordinal), diagnostics);
    }
}
