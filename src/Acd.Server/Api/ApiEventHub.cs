using System.Text.Json;
using System.Threading.Channels;
using Acd.Routing;
using Acd.Server.Configuration;

namespace Acd.Server.Api;

/// <summary>One server-sent event: its kind (<c>queue</c>, <c>agent</c>), JSON data, and the agent it concerns.</summary>
public sealed record ApiEvent(long Id, string Kind, string Data, string? Agent);

/// <summary>Options of the event stream (<c>Api:EventsKeepAlive</c>, <c>Api:EventsBuffer</c>).</summary>
public sealed record ApiEventOptions
{
    /// <summary>An idle stream gets a comment line this often (proxies and browsers keep it open).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Events buffered per client; a client that falls this far behind is dropped.</summary>
    public int ClientBuffer { get; init; } = 256;

    /// <summary>How often queue statistics are compared and changed ones sent.</summary>
    public TimeSpan QueueInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>A connected event-stream client: its bounded buffer and what it may see.</summary>
public sealed class ApiEventClient
{
    private readonly Channel<ApiEvent> _channel;
    private readonly Action<ApiEventClient> _remove;

    internal ApiEventClient(string? agent, int capacity, Action<ApiEventClient> remove)
    {
        Agent = agent;
        _remove = remove;
        _channel = Channel.CreateBounded<ApiEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Only this agent's agent events (an agent token); null: every agent.</summary>
    public string? Agent { get; }

    /// <summary>True once the client was dropped for falling behind.</summary>
    public bool Dropped { get; private set; }

    public ChannelReader<ApiEvent> Reader => _channel.Reader;

    /// <summary>Queues an event without waiting; false (and the client is dropped) when its buffer is full.</summary>
    internal bool Offer(ApiEvent e)
    {
        if (e.Agent is not null && Agent is not null && e.Agent != Agent)
        {
            return true;
        }

        if (_channel.Writer.TryWrite(e))
        {
            return true;
        }

        Dropped = true;
        _channel.Writer.TryComplete();
        return false;
    }

    /// <summary>Unsubscribes (the stream ended).</summary>
    public void Close()
    {
        _channel.Writer.TryComplete();
        _remove(this);
    }
}

/// <summary>
/// Fans routing events and queue statistics out to event-stream clients. Agent state changes come from
/// <see cref="AcdRouter.Subscribe"/> (a bounded, drop-oldest subscription: the router never waits for us); queue
/// statistics are read every <see cref="ApiEventOptions.QueueInterval"/> and sent when they changed. Publishing only
/// tries each client's bounded buffer: a client that is full is dropped, nothing waits for a slow reader.
/// </summary>
public sealed partial class ApiEventHub : BackgroundService
{
    private readonly AcdRouter _router;
    private readonly ContactCenter _center;
    private readonly TimeProvider _time;
    private readonly ApiEventOptions _options;
    private readonly ApiMetrics _metrics;
    private readonly ILogger<ApiEventHub> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _queues = new(StringComparer.Ordinal);
    private ApiEventClient[] _clients = [];
    private long _nextId;
    private RoutingEventSubscription? _subscription;

    public ApiEventHub(AcdRouter router, ContactCenter center, TimeProvider time, ApiEventOptions options, ApiMetrics metrics, ILogger<ApiEventHub> logger)
    {
        _router = router;
        _center = center;
        _time = time;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public ApiEventOptions Options => _options;

    public int ClientCount => Volatile.Read(ref _clients).Length;

    /// <summary>A new client, primed with the last statistics of every queue.</summary>
    public ApiEventClient Connect(string? agent)
    {
        var client = new ApiEventClient(agent, _options.ClientBuffer, Remove);
        lock (_gate)
        {
            foreach (var (_, data) in _queues)
            {
                client.Offer(new ApiEvent(++_nextId, "queue", data, null));
            }

            _clients = [.. _clients, client];
        }

        return client;
    }

    /// <summary>Sends an event to every client that may see it; drops the clients whose buffer is full.</summary>
    public void Publish(string kind, string data, string? agent)
    {
        ApiEventClient[] clients;
        ApiEvent e;
        lock (_gate)
        {
            e = new ApiEvent(++_nextId, kind, data, agent);
            clients = _clients;
        }

        foreach (var c in clients)
        {
            if (!c.Offer(e))
            {
                _metrics.EventClientDropped();
                LogClientDropped(_logger, c.Agent ?? "*", _options.ClientBuffer);
                Remove(c);
            }
        }
    }

    /// <summary>Publishes each queue's statistics that changed since last time.</summary>
    public async Task PublishQueuesAsync(CancellationToken cancellationToken)
    {
        foreach (var q in _center.Current.Routing.Queues)
        {
            if (await _router.GetQueueSnapshotAsync(q.Name, cancellationToken).ConfigureAwait(false) is not { } s)
            {
                continue;
            }

            var data = JsonSerializer.Serialize(QueueView.Of(s), ApiJson.Context.QueueView);
            bool changed;
            lock (_gate)
            {
                changed = !_queues.TryGetValue(q.Name, out var last) || last != data;
                _queues[q.Name] = data;
            }

            if (changed)
            {
                Publish("queue", data, null);
            }
        }
    }

    /// <summary>The JSON of an agent event.</summary>
    public static string AgentData(RoutingEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.Serialize(new AgentStateEvent(e.AgentId ?? string.Empty, ApiText.State(e.State), e.Detail, e.Time), ApiJson.Context.AgentStateEvent);
    }

    /// <summary>Subscribes to the router before returning, so no event after start is missed.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription ??= _router.Subscribe();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = _subscription ?? _router.Subscribe();
        var events = PumpAsync(subscription.Reader, stoppingToken);
        using var timer = new PeriodicTimer(_options.QueueInterval, _time);
        try
        {
            do
            {
                try
                {
                    await PublishQueuesAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    LogQueuesFailed(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await events.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var c in _clients)
        {
            c.Close();
        }
    }

    private async Task PumpAsync(ChannelReader<RoutingEvent> reader, CancellationToken cancellationToken)
    {
        await foreach (var e in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.Kind == RoutingEventKind.AgentStateChanged && e.AgentId is not null)
            {
                Publish("agent", AgentData(e), e.AgentId);
            }
        }
    }

    private void Remove(ApiEventClient client)
    {
        lock (_gate)
        {
            _clients = _clients.Where(c => c != client).ToArray();
        }
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Event stream client (agent {Agent}) dropped: {Capacity} events behind")]
    private static partial void LogClientDropped(ILogger logger, string agent, int capacity);

    [LoggerMessage(EventId = 711, Level = LogLevel.Warning, Message = "Event stream: reading queue statistics failed")]
    private static partial void LogQueuesFailed(ILogger logger, Exception error);
}
