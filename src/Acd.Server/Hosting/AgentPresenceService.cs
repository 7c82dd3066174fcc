using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.Channels;
using Acd.Calls.Registrar;
using Acd.Routing;
using Acd.Server.Configuration;

namespace Acd.Server.Hosting;

/// <summary>
/// Agent presence follows SIP registrations when the contact-center file says <c>login_on_register</c>: a phone's
/// first live binding logs its agent in and makes it available; losing the last one (un-REGISTER, or expiry found by
/// a periodic sweep) logs it out, deferred while the agent is ringing, on a call or in wrap-up. The registrar reports
/// changes through <see cref="IRegistrationObserver"/> without waiting; the routing calls run on this service's own
/// loop, one at a time. Every decision reads the shared routing state and bindings first, so several nodes sweeping
/// one Redis store agree: a second logout is a no-op.
/// </summary>
/// <remarks>
/// An address of record belongs to the agent whose extension is its user part (the UA core already refused any
/// REGISTER whose To user is not the authenticated user). An agent's bindings are looked up under its canonical
/// address <c>sip:extension@realm</c> and under any other address its phones registered on this node.
/// </remarks>
internal sealed partial class AgentPresenceService : BackgroundService, IRegistrationObserver
{
    /// <summary>The server's own meter (instrument names are the Prometheus names).</summary>
    public const string MeterName = "Acd.Server";

    private readonly AcdRouter _router;
    private readonly IBindingStore _bindings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile bool _enabled;
    private readonly TimeSpan _sweepInterval;
    private volatile Dictionary<string, Agent> _byExtension = new(StringComparer.Ordinal);
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Counter<long> _changes;

    // Touched only by the loop: the agents whose logout waits for the end of a call.
    private readonly HashSet<string> _deferred = new(StringComparer.Ordinal);
    private int _sweepQueued;

    /// <summary>The service as the host builds it: the sweep interval from <c>Acd:PresenceSweep</c>.</summary>
    public AgentPresenceService(AcdRouter router, IBindingStore bindings, ContactCenter center, IConfiguration configuration,
        TimeProvider time, ILogger<AgentPresenceService> logger, IMeterFactory meters)
        : this(router, bindings, center.Current, AgentPresenceOptions.Read(configuration), time, logger, meters)
    {
        center.Changed += Configure;
    }

    /// <summary>
    /// Takes the agents and the login-on-register setting of <paramref name="config"/> (at start and on reload). The map is
    /// replaced whole, never edited, so the REGISTER path reads it without locks; agents kept across versions keep their state.
    /// </summary>
    internal void Configure(ContactCenterConfig config)
    {
        var previous = _byExtension;
        var next = new Dictionary<string, Agent>(StringComparer.Ordinal);
        foreach (var account in config.Agents)
        {
            var canonical = $"sip:{account.Extension}@{config.Realm}";
            next.TryAdd(account.Extension, previous.TryGetValue(account.Extension, out var known) && known.Id == account.Id && known.Canonical == canonical
                ? known
                : new Agent(account.Id, canonical));
        }

        _byExtension = next;
        _enabled = config.LoginOnRegister;
    }

    internal AgentPresenceService(AcdRouter router, IBindingStore bindings, ContactCenterConfig config, AgentPresenceOptions options,
        TimeProvider time, ILogger logger, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _router = router ?? throw new ArgumentNullException(nameof(router));
        _bindings = bindings ?? throw new ArgumentNullException(nameof(bindings));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _sweepInterval = options.SweepInterval;
        Configure(config);

        _changes = meters.Create(MeterName).CreateCounter<long>("acd_agent_presence_changes_total",
            description: "Agents logged in or out of routing by their phones' registrations, by change (login, logout).");
    }

    /// <inheritdoc />
    /// <remarks>On the REGISTER path: only a lookup and a channel write.</remarks>
    public void BindingsChanged(string addressOfRecord, int previousContacts, int liveContacts)
    {
        if (_enabled && AgentOf(addressOfRecord) is not null)
        {
            _work.Writer.TryWrite(new Work(WorkKind.Changed, addressOfRecord, previousContacts, liveContacts));
        }
    }

    /// <summary>Completes when the loop has handled everything queued before the call (tests).</summary>
    internal Task FlushAsync()
    {
        if (!_enabled)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _work.Writer.TryWrite(new Work(WorkKind.Flush, Done: done)) ? done.Task : Task.CompletedTask;
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _work.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_enabled)
        {
            return;
        }

        // The timer callback only queues a sweep (at most one waiting), so sweeps and registrations never overlap.
        using var timer = _time.CreateTimer(_ => RequestSweep(), null, _sweepInterval, _sweepInterval);
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(work, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(_logger, work.Kind.ToString(), e);
                }
                finally
                {
                    work.Done?.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void RequestSweep()
    {
        if (Interlocked.Exchange(ref _sweepQueued, 1) == 0)
        {
            _work.Writer.TryWrite(new Work(WorkKind.Sweep));
        }
    }

    private async Task HandleAsync(Work work, CancellationToken cancellationToken)
    {
        switch (work.Kind)
        {
            case WorkKind.Changed when AgentOf(work.AddressOfRecord!) is { } agent:
                agent.Seen.Add(work.AddressOfRecord!);
                if (work.LiveContacts == 0)
                {
                    await SettleAsync(agent, cancellationToken).ConfigureAwait(false);
                }
                else if (work.PreviousContacts == 0)
                {
                    // A new registration, not a refresh: a refresh must not undo a pause or a deliberate logout.
                    _deferred.Remove(agent.Id);
                    await LoginAsync(agent.Id, cancellationToken).ConfigureAwait(false);
                }

                break;
            case WorkKind.Sweep:
                Volatile.Write(ref _sweepQueued, 0);
                await _bindings.PurgeExpiredAsync(cancellationToken).ConfigureAwait(false);
                foreach (var agent in _byExtension.Values)
                {
                    await SettleAsync(agent, cancellationToken).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <summary>Logs a LoggedOut agent in and makes it available; any other state is left as it is.</summary>
    private async Task LoginAsync(string agentId, CancellationToken cancellationToken)
    {
        if (await _router.GetAgentAsync(agentId, cancellationToken).ConfigureAwait(false) is not { State: AgentState.LoggedOut })
        {
            return;
        }

        var login = await _router.LoginAsync(agentId, cancellationToken).ConfigureAwait(false);
        if (!login.Succeeded || login.Events.Count == 0)
        {
            // Refused or a no-op: another node or the agent acted in between; nothing of ours to undo.
            return;
        }

        // Today's login lands in Available (and may at once reserve the agent for a waiting call). Should it ever land
        // elsewhere, make the agent available explicitly; never after a reservation.
        if (!login.Events.Any(e => e.Kind == RoutingEventKind.AgentStateChanged && e.AgentId == agentId && e.State == AgentState.Available))
        {
            await _router.MakeAvailableAsync(agentId, cancellationToken).ConfigureAwait(false);
        }

        _changes.Add(1, new KeyValuePair<string, object?>("change", "login"));
        LogLoggedIn(_logger, agentId);
    }

    /// <summary>
    /// A logged-in agent whose phones have no live binding is logged out, or waits (next sweep) while it is reserved,
    /// on a call or in wrap-up. A logged-out agent's addresses seen here are forgotten.
    /// </summary>
    private async Task SettleAsync(Agent agent, CancellationToken cancellationToken)
    {
        var state = (await _router.GetAgentAsync(agent.Id, cancellationToken).ConfigureAwait(false))?.State ?? AgentState.LoggedOut;
        if (state == AgentState.LoggedOut)
        {
            Forget(agent);
            return;
        }

        if (await HasLiveBindingAsync(agent, cancellationToken).ConfigureAwait(false))
        {
            _deferred.Remove(agent.Id);
            return;
        }

        if (state is AgentState.Reserved or AgentState.OnCall or AgentState.WrapUp)
        {
            if (_deferred.Add(agent.Id))
            {
                LogLogoutDeferred(_logger, agent.Id, state);
            }

            return;
        }

        var logout = await _router.LogoutAsync(agent.Id, cancellationToken).ConfigureAwait(false);
        if (!logout.Succeeded)
        {
            // Reserved for a call in between (or unknown to routing): the next sweep tries again.
            return;
        }

        if (logout.Events.Count > 0)
        {
            _changes.Add(1, new KeyValuePair<string, object?>("change", "logout"));
            LogLoggedOut(_logger, agent.Id);
        }

        // A REGISTER on another node may have landed between the check and the logout: it logs the agent back in.
        if (await HasLiveBindingAsync(agent, cancellationToken).ConfigureAwait(false))
        {
            await LoginAsync(agent.Id, cancellationToken).ConfigureAwait(false);
            return;
        }

        Forget(agent);
    }

    private async Task<bool> HasLiveBindingAsync(Agent agent, CancellationToken cancellationToken)
    {
        if ((await _bindings.GetAsync(agent.Canonical, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return true;
        }

        foreach (var address in agent.Seen)
        {
            if ((await _bindings.GetAsync(address, cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    private void Forget(Agent agent)
    {
        agent.Seen.Clear();
        _deferred.Remove(agent.Id);
    }

    /// <summary>The agent whose extension is the user part of <paramref name="addressOfRecord"/> ("sip:1002@host").</summary>
    private Agent? AgentOf(string addressOfRecord)
    {
        var colon = addressOfRecord.IndexOf(':', StringComparison.Ordinal);
        var at = addressOfRecord.IndexOf('@', StringComparison.Ordinal);
        return at > colon + 1 && _byExtension.TryGetValue(addressOfRecord[(colon + 1)..at], out var agent) ? agent : null;
    }

    /// <summary>
    /// A configured agent: its routing id, its canonical address of record, and (touched only by the loop) the other
    /// addresses its phones registered on this node, until it is logged out.
    /// </summary>
    private sealed record Agent(string Id, string Canonical)
    {
        public HashSet<string> Seen { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    private enum WorkKind
    {
        Changed,
        Sweep,
        Flush,
    }

    private readonly record struct Work(WorkKind Kind, string? AddressOfRecord = null, int PreviousContacts = 0, int LiveContacts = 0,
        TaskCompletionSource? Done = null);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Agent {AgentId} logged in: its phone registered")]
    private static partial void LogLoggedIn(ILogger logger, string agentId);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Agent {AgentId} logged out: no phone registered")]
    private static partial void LogLoggedOut(ILogger logger, string agentId);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "Agent {AgentId} has no phone registered; logout waits for the end of {State}")]
    private static partial void LogLogoutDeferred(ILogger logger, string agentId, AgentState state);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "Agent presence: handling {Work} failed")]
    private static partial void LogFailed(ILogger logger, string work, Exception exception);
}

/// <summary>Options of <see cref="AgentPresenceService"/>.</summary>
internal sealed record AgentPresenceOptions
{
    /// <summary>The configuration key of <see cref="SweepInterval"/>: seconds (e.g. <c>0.5</c>) or a time span (<c>00:00:05</c>).</summary>
    public const string SweepKey = "Acd:PresenceSweep";

    /// <summary>How often expired bindings are purged and agents without a live binding logged out (default 5 s).</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads <c>Acd:PresenceSweep</c>; throws <see cref="ConfigurationErrorsException"/> when it is not a positive duration.</summary>
    public static AgentPresenceOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new AgentPresenceOptions();
        if (configuration[SweepKey] is not { Length: > 0 } text)
        {
            return options;
        }

        var parsed = text.Contains(':', StringComparison.Ordinal)
            ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : TimeSpan.Zero
            : double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds <= 86_400
                ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        if (parsed < TimeSpan.FromMilliseconds(10) || parsed > TimeSpan.FromDays(1))
        {
            throw new ConfigurationErrorsException([new ConfigDiagnostic("configuration", 0, 0, SweepKey,
                $"'{text}' is not a sweep interval: seconds (e.g. 5 or 0.5) or hh:mm:ss, from 10 ms to 1 day")]);
        }

        return options with { SweepInterval = parsed };
    }
}
