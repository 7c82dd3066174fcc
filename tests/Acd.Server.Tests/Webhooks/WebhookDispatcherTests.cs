using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Acd.Calls.Records;
using Acd.Server.Api;
using Acd.Server.Records;
using Acd.Server.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Server.Tests.Webhooks;

/// <summary>The webhook dispatcher on a fake HTTP handler and a virtual clock: retries, backoff, signing, bounded queues.</summary>
public sealed class WebhookDispatcherTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TimerSignallingTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeHandler _handler = new();
    private readonly WebhookMetrics _metrics;
    private readonly MetricCollector<long> _deliveries;
    private readonly MetricCollector<long> _dropped;
    private WebhookDispatcher? _dispatcher;

    public WebhookDispatcherTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _deliveries = new MetricCollector<long>(meters, WebhookMetrics.MeterName, "acd_webhook_deliveries_total");
        _dropped = new MetricCollector<long>(meters, WebhookMetrics.MeterName, "acd_webhook_dropped_total");
        _metrics = new WebhookMetrics(meters);
    }

    private static WebhookEndpoint Endpoint(WebhookEvents events = WebhookEvents.CallRecord | WebhookEvents.AgentState) => new()
    {
        Name = "crm", Url = new Uri("http://127.0.0.1:9/hook"), Events = events, Secret = Encoding.UTF8.GetBytes("s3cret"),
        MaxAttempts = 4, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(3), QueueCapacity = 2,
    };

    private WebhookDispatcher Start(params WebhookEndpoint[] endpoints) =>
        _dispatcher = new WebhookDispatcher(endpoints.Length == 0 ? [Endpoint()] : endpoints, _time, _metrics, handler: _handler);

    private static WebhookDelivery Agent(string id = "d1") =>
        new(WebhookEvents.AgentState, id, new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), new Lazy<string>("{\"agent\":\"1002\",\"state\":\"paused\"}"));

    private long Count(string result) => _deliveries.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == result).Sum(m => m.Value);

    [Fact]
    public async Task Post_ReceiverUp_SignedJsonDelivered()
    {
        var dispatcher = Start();

        dispatcher.Post(Agent());
        var request = await _handler.NextAsync(Bound);

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("agent-state", request.Headers["X-Acd-Event"]);
        Assert.Equal("d1", request.Headers["X-Acd-Delivery"]);
        Assert.Equal(WebhookDispatcher.Signature(Encoding.UTF8.GetBytes("s3cret"), request.Body), request.Headers["X-Acd-Signature"]);
        Assert.StartsWith("sha256=", request.Headers["X-Acd-Signature"], StringComparison.Ordinal);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("agent-state", body.GetProperty("event").GetString());
        Assert.Equal("paused", body.GetProperty("data").GetProperty("state").GetString());
        await dispatcher.DisposeAsync();
        Assert.Equal(1, Count("delivered"));
    }

    [Fact]
    public async Task Post_ReceiverFailing_RetriedWithExponentialBackoffOnTheClockThenGivenUp()
    {
        _handler.Status = HttpStatusCode.ServiceUnavailable;
        var dispatcher = Start();

        dispatcher.Post(Agent());
        Assert.Equal("1", (await _handler.NextAsync(Bound)).Headers["X-Acd-Attempt"]);
        foreach (var (wait, attempt) in new[] { (1, "2"), (2, "3"), (3, "4") }) // 1 s, 2 s, then capped at 3 s
        {
            await _time.TimerStartedAsync(TimeSpan.FromSeconds(wait), Bound);
            _time.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            Assert.False(_handler.HasPending);
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(attempt, (await _handler.NextAsync(Bound)).Headers["X-Acd-Attempt"]);
        }

        await dispatcher.DisposeAsync();
        Assert.Equal(3, Count("retried"));
        Assert.Equal(1, Count("failed"));
        Assert.Equal(0, Count("delivered"));
    }

    [Fact]
    public async Task Post_ReceiverRecovers_DeliveredOnRetry()
    {
        _handler.Status = HttpStatusCode.InternalServerError;
        var dispatcher = Start();

        dispatcher.Post(Agent());
        await _handler.NextAsync(Bound);
        _handler.Status = HttpStatusCode.NoContent;
        await _time.TimerStartedAsync(TimeSpan.FromSeconds(1), Bound);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _handler.NextAsync(Bound);

        await dispatcher.DisposeAsync();
        Assert.Equal(1, Count("retried"));
        Assert.Equal(1, Count("delivered"));
    }

    [Fact]
    public async Task Post_QueueFull_DroppedAndCountedWithoutBlocking()
    {
        _handler.Status = HttpStatusCode.ServiceUnavailable;
        var dispatcher = Start();

        dispatcher.Post(Agent("d1"));
        await _handler.NextAsync(Bound); // d1 is being retried; the queue holds 2 more
        for (var i = 2; i <= 6; i++)
        {
            dispatcher.Post(Agent("d" + i));
        }

        Assert.Equal(3, _dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        await dispatcher.DisposeAsync();
    }

    [Fact]
    public async Task Post_EndpointWithoutTheEvent_NotSent()
    {
        var dispatcher = Start(Endpoint(WebhookEvents.CallRecord));

        dispatcher.Post(Agent());
        await dispatcher.DisposeAsync();

        Assert.False(_handler.HasPending);
        Assert.Equal(0, Count("delivered"));
    }

    [Fact]
    public async Task CallRecordSink_Write_PostsTheRecordAsFileJson()
    {
        var dispatcher = Start();
        var sink = new WebhookCallRecordSink(dispatcher, _time);
        var record = new CallRecord
        {
            CallId = "call-9", Node = "n1", DialedNumber = "100", CallerId = "+15551234567", Arrived = _time.GetUtcNow(), Ended = _time.GetUtcNow(),
            Outcome = CallOutcome.Abandoned, Queue = "support",
        };

        new CompositeCallRecordSink([sink]).Write(record);
        var request = await _handler.NextAsync(Bound);

        Assert.Equal("call-record", request.Headers["X-Acd-Event"]);
        var data = JsonDocument.Parse(request.Body).RootElement.GetProperty("data");
        Assert.Equal(CallRecordJson.Serialize(record), data.GetRawText());
        await dispatcher.DisposeAsync();
    }

    [Fact]
    public async Task AddAcdWebhooks_CallRecords_AddedBesideTheExistingSink()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_time).AddMetrics();
        var existing = new ListSink();
        services.AddSingleton<ICallRecordSink>(existing);
        services.AddAcdWebhooks(new ApiConfig { Webhooks = [Endpoint(WebhookEvents.CallRecord)] });
        await using var provider = services.BuildServiceProvider();

        var composite = Assert.IsType<CompositeCallRecordSink>(provider.GetRequiredService<ICallRecordSink>());

        Assert.Same(existing, composite.Sinks[0]);
        Assert.IsType<WebhookCallRecordSink>(composite.Sinks[1]);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(10, 3)]
    public void Backoff_Attempt_DoublesUpToTheCap(int attempt, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), WebhookDispatcher.Backoff(Endpoint(), attempt));
    }

    public async ValueTask DisposeAsync()
    {
        if (_dispatcher is not null)
        {
            await _dispatcher.DisposeAsync();
        }

        _deliveries.Dispose();
        _dropped.Dispose();
        _metrics.Dispose();
        await _services.DisposeAsync();
    }

    private sealed class ListSink : ICallRecordSink
    {
        public void Write(CallRecord record)
        {
        }
    }

    internal sealed record Captured(HttpMethod Method, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>Answers every request with <see cref="Status"/> and hands it to the test.</summary>
    private sealed class FakeHandler : HttpMessageHandler
    {
        private readonly Channel<Captured> _requests = Channel.CreateUnbounded<Captured>();

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public bool HasPending => _requests.Reader.TryPeek(out _);

        public async Task<Captured> NextAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            return await _requests.Reader.ReadAsync(cts.Token);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var status = Status;
            _requests.Writer.TryWrite(new Captured(request.Method, new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase), body));
            return new HttpResponseMessage(status);
        }
    }
}

/// <summary>A virtual clock that tells the test each timer started (due time), so it advances only once the code waits.</summary>
internal sealed class TimerSignallingTimeProvider() : FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero))
{
    private readonly Channel<TimeSpan> _started = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _started.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits (bounded, real time) until a timer due in <paramref name="due"/> was started.</summary>
    public async Task TimerStartedAsync(TimeSpan due, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await _started.Reader.ReadAsync(cts.Token) != due)
        {
        }
    }
}
