using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Acd.Calls.Inbound;
using Acd.Routing;
using Acd.Server.Api;
using Acd.Server.Configuration;
using Acd.Sip.Ua;
using Acd.Testing.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Acd.Server.Tests.Api;

/// <summary>
/// The API's endpoints in a slim web app on a loopback port of its own (no SIP, no media): the sample contact center on
/// an in-memory router, a fake <see cref="ICallControl"/> with one live call of agent 1002, a temporary records folder,
/// and every log line captured.
/// </summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string SupervisorToken = "test-supervisor-token-0123456789";
    public const string AgentToken = "test-agent-1002-token-0123456789";
    public const string SampleToken = "sample-only-on-loopback-token";

    private readonly WebApplication _app;

    private ApiTestHost(WebApplication app, string records, LogCapture logs, FakeCallControl calls)
    {
        _app = app;
        RecordsPath = records;
        Logs = logs;
        Calls = calls;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public HttpClient Client { get; }

    public string RecordsPath { get; }

    public LogCapture Logs { get; }

    public FakeCallControl Calls { get; }

    public IServiceProvider Services => _app.Services;

    public AcdRouter Router => _app.Services.GetRequiredService<AcdRouter>();

    public static ApiConfig Config => new()
    {
        Tokens =
        [
            Hashed("admin", AdminToken, ApiRole.Admin, null),
            Hashed("floor", SupervisorToken, ApiRole.Supervisor, "1004"),
            Hashed("desk-1002", AgentToken, ApiRole.Agent, "1002"),
            Hashed("sample", SampleToken, ApiRole.Admin, null) with { LoopbackOnly = true },
        ],
    };

    public static ApiToken Hashed(string name, string token, ApiRole role, string? agent) =>
        new() { Name = name, Sha256 = Convert.FromHexString(ApiConfigLoader.HashHex(token)), Role = role, Agent = agent };

    public static async Task<ApiTestHost> StartAsync(ApiEventOptions? events = null)
    {
        var records = Directory.CreateTempSubdirectory("acd-api-records-").FullName;
        var contactCenter = ContactCenterConfigLoader.Load(Path.Combine(AcdServerProcess.RepositoryRoot(), "deploy", "sample", "acd.yaml"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new LogCapture();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        var calls = new FakeCallControl();
        builder.Services.AddSingleton(new ServerOptions { RecordsPath = records, NodeName = "test", SipPort = 9 });
        builder.Services.AddSingleton(new ContactCenter(contactCenter));
        builder.Services.AddAcdRouting(new RoutingOptions { NodeId = "test" });
        builder.Services.AddSingleton<ICallControl>(calls);
        builder.Services.AddAcdApi(Config with { Events = events ?? new ApiEventOptions { QueueInterval = TimeSpan.FromMilliseconds(100) } });
        var app = builder.Build();
        app.MapAcdApi();
        var errors = await app.Services.GetRequiredService<AcdRouter>().LoadAsync(contactCenter.Routing);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }

        await app.StartAsync();
        return new ApiTestHost(app, records, logs, calls);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json = null) =>
        Client.SendAsync(Request(method, path, token, json));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(RecordsPath, recursive: true);
    }
}

/// <summary>One live call (agent 1002 talking with a caller in support); records each request.</summary>
internal sealed class FakeCallControl : ICallControl
{
    public const string CallId = "call-1";

    public ConcurrentQueue<string> Requests { get; } = new();

    public CallControlResult Next { get; set; } = CallControlResult.Ok;

    public bool Draining => false;

    public ActiveCallInfo Call { get; } = new(CallId, "+15551234567", "Caller", "100", ActiveCallState.Talking, "support", "1002",
        new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 9, 0, 10, TimeSpan.Zero), []);

    public IReadOnlyList<ActiveCallInfo> ActiveCalls() => [Call, Call with { CallId = "call-2", AgentId = "1001", Queue = "billing" }];

    public ActiveCallInfo? Find(string callId) => ActiveCalls().FirstOrDefault(c => c.CallId == callId);

    public ActiveCallInfo? FindByAgent(string agentId) => ActiveCalls().FirstOrDefault(c => c.AgentId == agentId);

    public Task<CallControlResult> HangupAsync(string callId, CancellationToken cancellationToken) => Done($"hangup {callId}");

    public Task<CallControlResult> TransferAsync(string callId, TransferTarget target, CancellationToken cancellationToken) =>
        Done($"transfer {callId} {target.Kind} {target.Value}");

    public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SupervisionMode mode, CancellationToken cancellationToken) =>
        Done($"supervise {callId} {supervisorId} {mode}");

    public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SipCall supervisorCall, SupervisionMode mode, CancellationToken cancellationToken) =>
        Done($"supervise-call {callId} {supervisorId} {mode}");

    public Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    private Task<CallControlResult> Done(string request)
    {
        Requests.Enqueue(request);
        return Task.FromResult(Next);
    }
}

/// <summary>Every log message (formatted, with exceptions), for asserting that secrets never appear.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string Text => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
