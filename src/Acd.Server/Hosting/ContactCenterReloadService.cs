using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Acd.Ivr.Catalog;
using Acd.Routing;
using Acd.Server.Configuration;

namespace Acd.Server.Hosting;

/// <summary>
/// Follows edits of the contact-center file: after a quiet period the file is loaded and checked exactly as at start
/// (every error with file, line and key; sample passwords off loopback; IVR scripts of the number plan); a valid
/// version goes to routing (queues, agents, skills) and then replaces <see cref="ContactCenter.Current"/> (number
/// plan, credentials, presence). An invalid one is logged and counted, and the running version keeps serving.
/// Calls in progress finish on the version they started with.
/// </summary>
internal sealed partial class ContactCenterReloadService : BackgroundService
{
    private readonly ContactCenter _center;
    private readonly ServerOptions _options;
    private readonly AcdRouter _router;
    private readonly IvrScriptCatalog _catalog;
    private readonly ILogger<ContactCenterReloadService> _logger;
    private readonly Counter<long> _reloads;
    private readonly Channel<bool> _due = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ITimer _debounce;
    private FileSystemWatcher? _watcher;

    public ContactCenterReloadService(ContactCenter center, ServerOptions options, AcdRouter router, IvrScriptCatalog catalog, TimeProvider time,
        ILogger<ContactCenterReloadService> logger, IMeterFactory meters)
    {
        _center = center;
        _options = options;
        _router = router;
        _catalog = catalog;
        _logger = logger;
        _debounce = time.CreateTimer(static s => ((ContactCenterReloadService)s!)._due.Writer.TryWrite(true), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _reloads = meters.Create("Acd.Server").CreateCounter<long>("acd_config_reloads_total",
            description: "Reloads of the contact-center file by result (applied, rejected).");
    }

    /// <summary>How long the file must stay unchanged before it is read (editors write in several steps).</summary>
    internal TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Marks the file as changed (the watcher calls it; tests may too): the reload runs once changes stop for <see cref="Debounce"/>.</summary>
    internal void OnChanged() => _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);

    /// <summary>Loads, checks and applies the file now; returns the errors (empty when applied).</summary>
    internal async Task<IReadOnlyList<ConfigDiagnostic>> ReloadAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ConfigDiagnostic> errors;
        try
        {
            var config = ContactCenterConfigLoader.Load(_options.ContactCenterFile);
            errors = [.. _options.CheckSamplePasswords(config), .. NumberPlanCheck.Check(config, _catalog)];
            if (config.Realm != _center.Current.Realm)
            {
                errors = [.. errors, new ConfigDiagnostic(config.Source, 0, 0, "realm", "the realm cannot change while the node runs (phones' credentials are bound to it); restart the node")];
            }

            if (errors.Count == 0)
            {
                var routing = await _router.LoadAsync(config.Routing, cancellationToken).ConfigureAwait(false);
                errors = routing.Select(e => new ConfigDiagnostic(config.Source, 0, 0, e.Location, $"{e.Item}: {e.Message}")).ToList();
            }

            if (errors.Count == 0)
            {
                _center.Update(config);
                _reloads.Add(1, new KeyValuePair<string, object?>("result", "applied"));
                LogApplied(_logger, config.Source, config.Routing.Queues.Count, config.Agents.Count, config.Numbers.Count);
                return errors;
            }
        }
        catch (ConfigurationErrorsException e)
        {
            errors = e.Errors;
        }
        catch (IOException e)
        {
            errors = [new ConfigDiagnostic(_options.ContactCenterFile, 0, 0, "(file)", e.Message)];
        }

        _reloads.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
        LogRejected(_logger, _options.ContactCenterFile, new ConfigurationErrorsException(errors).Message);
        return errors;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = Path.GetFullPath(_options.ContactCenterFile);
        if (Path.GetDirectoryName(path) is { } directory && Directory.Exists(directory))
        {
            _watcher = new FileSystemWatcher(directory, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Changed += (_, _) => OnChanged();
            _watcher.Created += (_, _) => OnChanged();
            _watcher.Renamed += (_, _) => OnChanged();
            _watcher.EnableRaisingEvents = true;
        }

        try
        {
            await foreach (var _ in _due.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await ReloadAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _watcher?.Dispose();
        _debounce.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Contact center reloaded from {File}: {Queues} queues, {Agents} agents, {Numbers} numbers")]
    private static partial void LogApplied(ILogger logger, string file, int queues, int agents, int numbers);

    [LoggerMessage(EventId = 41, Level = LogLevel.Error, Message = "Contact center file {File} changed but is refused; the running version keeps serving. {Errors}")]
    private static partial void LogRejected(ILogger logger, string file, string errors);
}
