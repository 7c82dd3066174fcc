using System.Net;
using System.Text.Json;
using Acd.Routing;
using Acd.Server.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Acd.Server.Tests.Api;

/// <summary>The API endpoints in a web app on loopback: authentication, roles, validation, actions, the document.</summary>
public sealed class ApiEndpointsTests : IAsyncLifetime
{
    private ApiTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ApiTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Theory]
    [InlineData("GET", "/api/queues")]
    [InlineData("GET", "/api/agents/1002")]
    [InlineData("POST", "/api/agents/1002/login")]
    [InlineData("GET", "/api/records.csv")]
    [InlineData("GET", "/api/events")]
    [InlineData("GET", "/api/openapi.json")]
    public async Task Request_NoToken_401WithChallenge(string method, string path)
    {
        using var response = await _host.SendAsync(new HttpMethod(method), path, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Request_WrongToken_401InvalidTokenAndNoSecretInLogs()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/api/queues", "not-a-configured-token-42");
        using var ok = await _host.SendAsync(HttpMethod.Get, "/api/queues", ApiTestHost.AdminToken);
        using var forbidden = await _host.SendAsync(HttpMethod.Post, "/api/agents/1001/login", ApiTestHost.AgentToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var logs = _host.Logs.Text;
        Assert.Contains("authentication failed (invalid)", logs, StringComparison.Ordinal);
        Assert.Contains("token desk-1002 (Agent) lacks the right", logs, StringComparison.Ordinal);
        foreach (var secret in new[] { "not-a-configured-token-42", ApiTestHost.AdminToken, ApiTestHost.AgentToken, ApiTestHost.SupervisorToken })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Request_SampleTokenFromLoopback_Accepted()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/api/records", ApiTestHost.SampleToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/records", ApiTestHost.AgentToken)]
    [InlineData("GET", "/api/records.csv", ApiTestHost.SupervisorToken)]
    [InlineData("POST", "/api/calls/call-1/supervise", ApiTestHost.AgentToken)]
    [InlineData("POST", "/api/agents/1001/pause", ApiTestHost.AgentToken)]
    [InlineData("GET", "/api/agents/1001", ApiTestHost.AgentToken)]
    [InlineData("POST", "/api/calls/call-2/hangup", ApiTestHost.AgentToken)]
    [InlineData("GET", "/api/calls/call-2", ApiTestHost.AgentToken)]
    public async Task Request_RoleOrAgentLacksTheRight_403(string method, string path, string token)
    {
        using var response = await _host.SendAsync(new HttpMethod(method), path, token, "{}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(403, (await JsonAsync(response)).GetProperty("status").GetInt32());
        Assert.Empty(_host.Calls.Requests);
    }

    [Theory]
    [InlineData("/api/agents/1002/pause", null, "body", "a JSON object is required")]
    [InlineData("/api/agents/1002/pause", "{}", "reason", "required")]
    [InlineData("/api/agents/1002/pause", "{\"reason\":\"nap\"}", "reason", "unknown reason 'nap' (known: 1 break, 2 lunch")]
    [InlineData("/api/agents/1002/pause", "{\"reason\":5}", "reason", "expected a string")]
    [InlineData("/api/agents/1002/pause", "{\"reason\":", "reason", "not valid JSON")]
    [InlineData("/api/agents/1002/disposition", "{\"disposition\":\"9\"}", "disposition", "unknown disposition '9'")]
    [InlineData("/api/calls/call-1/transfer", "{}", "queue", "give exactly one target")]
    [InlineData("/api/calls/call-1/transfer", "{\"queue\":\"support\",\"agent\":\"1001\"}", "queue", "not queue and agent")]
    [InlineData("/api/calls/call-1/transfer", "{\"queue\":\"nowhere\"}", "queue", "unknown queue 'nowhere'")]
    [InlineData("/api/calls/call-1/transfer", "{\"agent\":\"7777\"}", "agent", "unknown agent '7777'")]
    [InlineData("/api/calls/call-1/transfer", "{\"external\":\"12ab\"}", "external", "expected a number")]
    [InlineData("/api/calls/call-1/supervise", "{\"supervisor\":\"1001\"}", "supervisor", "does not have the supervisor role")]
    [InlineData("/api/calls/call-1/supervise", "{\"mode\":\"shout\"}", "mode", "unknown mode 'shout'")]
    public async Task Post_InvalidBody_400NamingFieldAndReason(string path, string? body, string field, string reason)
    {
        using var response = await _host.SendAsync(HttpMethod.Post, path, ApiTestHost.SupervisorToken, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Contains(reason, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(_host.Calls.Requests);
    }

    [Theory]
    [InlineData("/api/records?from=yesterday", "from", "not an ISO 8601 time")]
    [InlineData("/api/records?from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z", "from", "must be before 'to'")]
    [InlineData("/api/records?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to", "longer than 31 days")]
    [InlineData("/api/records?outcome=lost", "outcome", "unknown outcome 'lost' (known: answered, abandoned")]
    [InlineData("/api/records?limit=0", "limit", "from 1 to 100000")]
    public async Task Records_InvalidQuery_400NamingFieldAndReason(string path, string field, string reason)
    {
        using var response = await _host.SendAsync(HttpMethod.Get, path, ApiTestHost.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await JsonAsync(response)).GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentActions_OwnAgent_StateFollowsAndCounted()
    {
        using var login = await _host.SendAsync(HttpMethod.Post, "/api/agents/1002/login", ApiTestHost.AgentToken);
        using var pause = await _host.SendAsync(HttpMethod.Post, "/api/agents/1002/pause", ApiTestHost.AgentToken, "{\"reason\":\"2\"}");
        var paused = await JsonAsync(pause);
        using var byName = await _host.SendAsync(HttpMethod.Post, "/api/agents/1002/pause", ApiTestHost.AgentToken, "{\"reason\":\"training\"}");
        using var available = await _host.SendAsync(HttpMethod.Post, "/api/agents/1002/available", ApiTestHost.AgentToken);
        using var logout = await _host.SendAsync(HttpMethod.Post, "/api/agents/1002/logout", ApiTestHost.SupervisorToken);
        using var list = await _host.SendAsync(HttpMethod.Get, "/api/agents", ApiTestHost.AgentToken);
        using var all = await _host.SendAsync(HttpMethod.Get, "/api/agents", ApiTestHost.SupervisorToken);
        using var unknown = await _host.SendAsync(HttpMethod.Get, "/api/agents/7777", ApiTestHost.SupervisorToken);

        Assert.Equal("available", (await JsonAsync(login)).GetProperty("state").GetString());
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        Assert.Equal("lunch", paused.GetProperty("reason").GetString());
        Assert.Equal("training", (await JsonAsync(byName)).GetProperty("reason").GetString());
        Assert.Equal("available", (await JsonAsync(available)).GetProperty("state").GetString());
        Assert.Equal("loggedOut", (await JsonAsync(logout)).GetProperty("state").GetString());
        Assert.Equal(AgentState.LoggedOut, (await _host.Router.GetAgentAsync("1002"))!.State);
        Assert.Equal(["1002"], (await JsonAsync(list)).EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(4, (await JsonAsync(all)).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Queues_Get_LiveStatisticsFromTheRouter()
    {
        await _host.Router.LoginAsync("1002");
        await _host.Router.EnqueueAsync("c1", "billing");
        using var list = await _host.SendAsync(HttpMethod.Get, "/api/queues", ApiTestHost.AgentToken);
        using var support = await _host.SendAsync(HttpMethod.Get, "/api/queues/support", ApiTestHost.AgentToken);
        using var billing = await _host.SendAsync(HttpMethod.Get, "/api/queues/billing", ApiTestHost.AgentToken);
        using var missing = await _host.SendAsync(HttpMethod.Get, "/api/queues/nowhere", ApiTestHost.AgentToken);

        Assert.Equal(["billing", "support", "claims", "general"], (await JsonAsync(list)).EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        var s = await JsonAsync(support);
        Assert.Equal(1, s.GetProperty("agentsByState").GetProperty("available").GetInt32());
        Assert.Equal(1, s.GetProperty("availableAgents").GetInt32());
        Assert.Equal(1.0, s.GetProperty("serviceLevel").GetDouble());
        var b = await JsonAsync(billing);
        Assert.Equal(1, b.GetProperty("waiting").GetInt32());
        Assert.Equal(1, b.GetProperty("offered").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Calls_ListAndActions_ReachCallControl()
    {
        using var mine = await _host.SendAsync(HttpMethod.Get, "/api/calls", ApiTestHost.AgentToken);
        using var all = await _host.SendAsync(HttpMethod.Get, "/api/calls", ApiTestHost.SupervisorToken);
        using var one = await _host.SendAsync(HttpMethod.Get, "/api/calls/call-1", ApiTestHost.AgentToken);
        using var transferQueue = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-1/transfer", ApiTestHost.SupervisorToken, "{\"queue\":\"claims\"}");
        using var transferAgent = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-1/transfer", ApiTestHost.AgentToken, "{\"agent\":\"1003\"}");
        using var transferOut = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-2/transfer", ApiTestHost.AdminToken, "{\"external\":\"+15557654321\"}");
        using var listen = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-1/supervise", ApiTestHost.SupervisorToken, "{}");
        using var barge = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-1/supervise", ApiTestHost.AdminToken, "{\"supervisor\":\"1004\",\"mode\":\"barge\"}");
        using var hangup = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-1/hangup", ApiTestHost.AgentToken);
        using var gone = await _host.SendAsync(HttpMethod.Post, "/api/calls/nope/hangup", ApiTestHost.SupervisorToken);
        _host.Calls.Next = Acd.Calls.Inbound.CallControlResult.Fail(Acd.Calls.Inbound.CallControlError.NotAllowed, "external transfers are not allowed");
        using var refused = await _host.SendAsync(HttpMethod.Post, "/api/calls/call-1/transfer", ApiTestHost.SupervisorToken, "{\"external\":\"+15557654321\"}");

        Assert.Equal(["call-1"], (await JsonAsync(mine)).EnumerateArray().Select(c => c.GetProperty("callId").GetString()));
        Assert.Equal(2, (await JsonAsync(all)).GetArrayLength());
        Assert.Equal("talking", (await JsonAsync(one)).GetProperty("state").GetString());
        Assert.Equal("+15551234567", (await JsonAsync(one)).GetProperty("callerId").GetString());
        foreach (var ok in new[] { transferQueue, transferAgent, transferOut, listen, barge, hangup })
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        Assert.Equal("barge", (await JsonAsync(barge)).GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("not allowed", (await JsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            [
                "transfer call-1 Queue claims", "transfer call-1 Agent 1003", "transfer call-2 External +15557654321",
                "supervise call-1 1004 Listen", "supervise call-1 1004 Barge", "hangup call-1", "transfer call-1 External +15557654321",
            ],
            _host.Calls.Requests);
    }

    [Fact]
    public async Task Disposition_NoCallService_503()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/api/agents/1002/disposition", ApiTestHost.AgentToken, "{\"disposition\":\"resolved\"}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Health_NoToken_OpenAnd503WhenSipIsNotListening()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/health", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("sip").GetProperty("listening").GetBoolean());
        Assert.Equal("in-memory", body.GetProperty("store").GetString());
    }

    [Fact]
    public async Task Requests_Answered_CountedByEndpointAndCode()
    {
        var meters = _host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, ApiMetrics.MeterName, "acd_api_requests_total");
        using var failures = new MetricCollector<long>(meters, ApiMetrics.MeterName, "acd_api_auth_failures_total");

        using var unknown = await _host.SendAsync(HttpMethod.Get, "/api/nothing/here", ApiTestHost.AgentToken);
        using var queues = await _host.SendAsync(HttpMethod.Get, "/api/queues", ApiTestHost.AgentToken);
        using var anonymous = await _host.SendAsync(HttpMethod.Get, "/api/queues", null);
        using var forbidden = await _host.SendAsync(HttpMethod.Get, "/api/records", ApiTestHost.AgentToken);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var counted = requests.GetMeasurementSnapshot().Select(m => $"{m.Tags["endpoint"]} {m.Tags["code"]}").ToList();
        Assert.Equal(["unmatched 404", "queues.list 200", "queues.list 401", "records.query 403"], counted);
        Assert.Equal(["missing", "forbidden"], failures.GetMeasurementSnapshot().Where(m => m.Value > 0).Select(m => (string)m.Tags["reason"]!));
    }

    [Fact]
    public async Task OpenApi_Document_DescribesEveryMappedRouteAndNothingElse()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/api/openapi.json", ApiTestHost.AgentToken);
        var doc = await JsonAsync(response);

        var mapped = _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal) && !e.RoutePattern.RawText.Contains("**", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m.ToLowerInvariant()} {e.RoutePattern.RawText}"))
            .Order().ToList();
        var documented = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name} {p.Name}")).Order().ToList();
        Assert.Equal(mapped, documented);
        Assert.Equal(ApiEndpoints.Operations.Count, documented.Count);
        Assert.Equal("3.1.0", doc.GetProperty("openapi").GetString());
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        foreach (var reference in Refs(doc))
        {
            Assert.True(schemas.TryGetProperty(reference["#/components/schemas/".Length..], out _), reference);
        }

        var pause = doc.GetProperty("paths").GetProperty("/api/agents/{agentId}/pause").GetProperty("post");
        Assert.Equal("agentId", pause.GetProperty("parameters")[0].GetProperty("name").GetString());
        Assert.True(schemas.GetProperty("PauseRequest").GetProperty("properties").TryGetProperty("reason", out _));
        Assert.True(schemas.GetProperty("QueueView").GetProperty("properties").TryGetProperty("estimatedWaitSeconds", out _));
        Assert.True(schemas.GetProperty("CallRecord").GetProperty("properties").TryGetProperty("callId", out _));
        Assert.Equal("admin", doc.GetProperty("paths").GetProperty("/api/records.csv").GetProperty("get").GetProperty("x-acd-role").GetString());
    }

    private static IEnumerable<string> Refs(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => p.Name == "$ref" && p.Value.GetString() is { } r && r.StartsWith("#/components", StringComparison.Ordinal)
            ? [r] : Refs(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Refs),
        _ => [],
    };
}
