using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Acd.Server.Api;

namespace Acd.Server.Webhooks;

/// <summary>One event to deliver: its name, id, time and JSON data (made once, when the first endpoint sends it).</summary>
public sealed record WebhookDelivery(WebhookEvents Kind, string Id, DateTimeOffset Time, Lazy<string> Data)
{
    public string EventName => Kind == WebhookEvents.CallRecord ? "call-record" : "agent-state";

    /// <summary>The POST body: <c>{"event":..,"id":..,"time":..,"data":{..}}</c>.</summary>
    public byte[] Body()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", EventName);
            json.WriteString("id", Id);
            json.WriteString("time", Time);
            json.WritePropertyName("data");
            json.WriteRawValue(Data.Value, skipInputValidation: true);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

/// <summary>The webhook instruments (meter <c>Acd.Webhooks</c>), exported by the server's Prometheus bridge.</summary>
public sealed class WebhookMetrics : IDisposable
{
    public const string MeterName = "Acd.Webhooks";

    private readonly Meter _meter;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _dropped;

    public WebhookMetrics(IMeterFactory? meters = null)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _deliveries = _meter.CreateCounter<long>("acd_webhook_deliveries_total",
            description: "Webhook POST outcomes: delivered (2xx), retried (an attempt failed, another follows after a backoff), failed (given up after the last attempt).");
        _dropped = _meter.CreateCounter<long>("acd_webhook_dropped_total", description: "Webhook events dropped: the endpoint's queue was full, or still queued at shutdown.");
        foreach (var r in new[] { "delivered", "retried", "failed" })
        {
            _deliveries.Add(0, new KeyValuePair<string, object?>("result", r));
        }

        _dropped.Add(0);
    }

    public void Delivery(string result) => _deliveries.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Dropped(long count) => _dropped.Add(count);

    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// POSTs events to the configured webhook endpoints. <see cref="Post"/> never blocks and never throws: each endpoint has a
/// bounded queue (full: the event is dropped and counted) and one sender that delivers in order, retrying a failed POST
/// (network error, timeout, non-2xx) with exponential backoff on the <see cref="TimeProvider"/> up to the endpoint's
/// attempt limit. With a secret, the body's HMAC-SHA256 goes in <c>X-Acd-Signature: sha256=&lt;hex&gt;</c>.
/// </summary>
public sealed partial class WebhookDispatcher : IAsyncDisposable
{
    /// <summary>How long <see cref="DisposeAsync"/> lets the senders deliver what is queued.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Sender[] _senders;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly WebhookMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _noRetries = new();
    private int _disposed;

    public WebhookDispatcher(IReadOnlyList<WebhookEndpoint> endpoints, TimeProvider time, WebhookMetrics metrics, ILogger<WebhookDispatcher>? logger = null,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _senders = endpoints.Select(e => new Sender(e)).ToArray();
        foreach (var s in _senders)
        {
            s.Loop = Task.Run(() => SendLoopAsync(s));
        }
    }

    /// <summary>The events some endpoint wants.</summary>
    public WebhookEvents Events => _senders.Aggregate(WebhookEvents.None, (all, s) => all | s.Endpoint.Events);

    /// <summary>Queues <paramref name="delivery"/> for every endpoint that wants its kind; never waits.</summary>
    public void Post(WebhookDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        foreach (var s in _senders)
        {
            if ((s.Endpoint.Events & delivery.Kind) != 0 && !s.Queue.Writer.TryWrite(delivery))
            {
                _metrics.Dropped(1);
                if (Interlocked.Exchange(ref s.Dropping, 1) == 0)
                {
                    LogDropped(_logger, s.Endpoint.Name, s.Endpoint.QueueCapacity);
                }
            }
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1: the initial backoff doubled per attempt, capped.</summary>
    public static TimeSpan Backoff(WebhookEndpoint endpoint, int attempt)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var ticks = Math.Min(endpoint.InitialBackoff.Ticks * factor, endpoint.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The signature header value of <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static string Signature(byte[] secret, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    /// <summary>
    /// Stops taking events and retrying, lets the senders try what is queued once (up to <see cref="DrainTimeout"/>), then
    /// stops them; what is left is dropped and counted.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _noRetries.CancelAsync().ConfigureAwait(false);
        foreach (var s in _senders)
        {
            s.Queue.Writer.TryComplete();
        }

        var all = Task.WhenAll(_senders.Select(s => s.Loop));
        await all.WaitAsync(DrainTimeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stop.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _http.Dispose();
        _stop.Dispose();
        _noRetries.Dispose();
    }

    private async Task SendLoopAsync(Sender s)
    {
        var stop = _stop.Token;
        try
        {
            while (await s.Queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (s.Queue.Reader.TryRead(out var delivery))
                {
                    Volatile.Write(ref s.Dropping, 0);
                    await DeliverAsync(s.Endpoint, delivery, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            var left = 0;
            while (s.Queue.Reader.TryRead(out _))
            {
                left++;
            }

            if (left > 0)
            {
                _metrics.Dropped(left);
                LogLeftAtShutdown(_logger, s.Endpoint.Name, left);
            }
        }
    }

    private async Task DeliverAsync(WebhookEndpoint endpoint, WebhookDelivery delivery, CancellationToken stop)
    {
        byte[] body;
        try
        {
            body = delivery.Body();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            LogUnserializable(_logger, ex, delivery.EventName, delivery.Id);
            _metrics.Delivery("failed");
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            var error = await SendAsync(endpoint, delivery, body, attempt, stop).ConfigureAwait(false);
            if (error is null)
            {
                _metrics.Delivery("delivered");
                if (attempt > 1)
                {
                    LogRecovered(_logger, endpoint.Name, delivery.EventName, attempt);
                }

                return;
            }

            if (attempt >= endpoint.MaxAttempts || _noRetries.IsCancellationRequested)
            {
                _metrics.Delivery("failed");
                LogGaveUp(_logger, endpoint.Name, delivery.EventName, delivery.Id, attempt, error);
                return;
            }

            _metrics.Delivery("retried");
            var wait = Backoff(endpoint, attempt);
            LogRetrying(_logger, endpoint.Name, delivery.EventName, attempt, error, wait.TotalSeconds);
            using var backoff = CancellationTokenSource.CreateLinkedTokenSource(stop, _noRetries.Token);
            try
            {
                await Task.Delay(wait, _time, backoff.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                _metrics.Delivery("failed"); // shutting down: no more retries
                LogGaveUp(_logger, endpoint.Name, delivery.EventName, delivery.Id, attempt, error);
                return;
            }
        }
    }

    /// <summary>One POST; null when delivered, else what went wrong.</summary>
    private async Task<string?> SendAsync(WebhookEndpoint endpoint, WebhookDelivery delivery, byte[] body, int attempt, CancellationToken stop)
    {
        using var timeout = new CancellationTokenSource(endpoint.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-Acd-Event", delivery.EventName);
        request.Headers.Add("X-Acd-Delivery", delivery.Id);
        request.Headers.Add("X-Acd-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("acd-webhooks", "1"));
        if (endpoint.Secret is { } secret)
        {
            request.Headers.Add("X-Acd-Signature", Signature(secret, body));
        }

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return $"no answer within {endpoint.Timeout.TotalSeconds:0.###} s";
        }
        catch (HttpRequestException e)
        {
            return e.HttpRequestError.ToString();
        }
    }

    private sealed class Sender(WebhookEndpoint endpoint)
    {
        public WebhookEndpoint Endpoint { get; } = endpoint;

        public Channel<WebhookDelivery> Queue { get; } = Channel.CreateBounded<WebhookDelivery>(new BoundedChannelOptions(endpoint.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller drops, never waits
        });

        public Task Loop { get; set; } = Task.CompletedTask;

        public int Dropping;
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Warning, Message = "Webhook {Webhook}: queue full ({Capacity}), events dropped")]
    private static partial void LogDropped(ILogger logger, string webhook, int capacity);

    [LoggerMessage(EventId = 721, Level = LogLevel.Information, Message = "Webhook {Webhook}: {Event} attempt {Attempt} failed ({Error}); retrying in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, string webhook, string @event, int attempt, string error, double seconds);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "Webhook {Webhook}: gave up on {Event} {Id} after {Attempts} attempts ({Error})")]
    private static partial void LogGaveUp(ILogger logger, string webhook, string @event, string id, int attempts, string error);

    [LoggerMessage(EventId = 723, Level = LogLevel.Information, Message = "Webhook {Webhook}: {Event} delivered on attempt {Attempt}")]
    private static partial void LogRecovered(ILogger logger, string webhook, string @event, int attempt);

    [LoggerMessage(EventId = 724, Level = LogLevel.Warning, Message = "Webhook {Webhook}: {Count} events still queued at shutdown were dropped")]
    private static partial void LogLeftAtShutdown(ILogger logger, string webhook, int count);

    [LoggerMessage(EventId = 725, Level = LogLevel.Error, Message = "Webhook: {Event} {Id} could not be serialized")]
    private static partial void LogUnserializable(ILogger logger, Exception error, string @event, string id);
}
