namespace Acd.Server.Api;

/// <summary>
/// The HTTP API under <c>/api</c>: one table of operations (<see cref="Operations"/>) maps every route behind the
/// bearer-token check and writes the OpenAPI document (<c>/api/openapi.json</c>). <c>/health</c> and <c>/metrics</c>
/// stay open. Every answer is counted in <c>acd_api_requests_total{endpoint,code}</c> (endpoint: the operation id,
/// <c>unmatched</c> for other /api paths), every refusal in <c>acd_api_auth_failures_total{reason}</c>.
/// </summary>
public static partial class ApiEndpoints
{
    private const string Challenge = "Bearer realm=\"acd\"";

    private static readonly ApiQueryParameter[] RecordFilters =
    [
        new("from", "string", "Calls that arrived at or after this time (ISO 8601); default: 24 hours before `to`.", "date-time"),
        new("to", "string", "Calls that arrived before this time (ISO 8601); default: now. At most 31 days after `from`.", "date-time"),
        new("queue", "string", "Only calls of this queue."),
        new("agent", "string", "Only calls answered by this agent."),
        new("outcome", "string", "Only calls with this outcome (answered, abandoned, callback, voicemail, completed, failed)."),
        new("limit", "integer", "The most recent matching calls to return (1-100000; default 100, CSV 100000)."),
    ];

    /// <summary>Every API operation, in document order.</summary>
    public static IReadOnlyList<ApiOperation> Operations { get; } =
    [
        new()
        {
            Method = "GET", Route = "/api/openapi.json", Id = "openapi", Role = ApiRole.Agent, Tag = "meta",
            Summary = "This API's OpenAPI 3.1 document.", Handler = c => Task.FromResult(ApiOpenApi.Serve(c)),
        },
        new()
        {
            Method = "GET", Route = "/api/queues", Id = "queues.list", Role = ApiRole.Agent, Tag = "queues",
            Summary = "Every queue with live statistics: waiting, longest wait, agents by state, service level, estimated wait.",
            Response = ApiJson.Context.IReadOnlyListQueueView, Handler = ApiHandlers.QueuesAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/queues/{queue}", Id = "queues.get", Role = ApiRole.Agent, Tag = "queues",
            Summary = "One queue with live statistics.", Response = ApiJson.Context.QueueView, Errors = [404], Handler = ApiHandlers.QueueAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/agents", Id = "agents.list", Role = ApiRole.Agent, Tag = "agents",
            Summary = "Agents with their state (an agent token sees its own agent only).",
            Response = ApiJson.Context.IReadOnlyListAgentView, Handler = ApiHandlers.AgentsAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/agents/{agentId}", Id = "agents.get", Role = ApiRole.Agent, Tag = "agents",
            Summary = "One agent and its state.", Response = ApiJson.Context.AgentView, Errors = [404], Handler = ApiHandlers.AgentAsync,
        },
        AgentAction("login", "Logs the agent in (Available).", ApiHandlers.LoginAsync),
        AgentAction("logout", "Logs the agent out (not while ringing or on a call).", ApiHandlers.LogoutAsync),
        AgentAction("pause", "Pauses the agent with a reason (a code or name of `pause_reasons`).", ApiHandlers.PauseAsync) with { Body = ApiJson.Context.PauseRequest },
        AgentAction("available", "Makes the agent Available (ends a pause or the wrap-up).", ApiHandlers.AvailableAsync),
        AgentAction("disposition", "Sets the disposition (a code or name of `dispositions`) of the agent's call in wrap-up.", ApiHandlers.DispositionAsync)
            with { Body = ApiJson.Context.DispositionRequest, Errors = [400, 404, 409, 503] },
        new()
        {
            Method = "GET", Route = "/api/calls", Id = "calls.list", Role = ApiRole.Agent, Tag = "calls",
            Summary = "Live calls on this node (an agent token sees its own agent's call only).",
            Response = ApiJson.Context.IReadOnlyListCallView, Errors = [503], Handler = ApiHandlers.CallsAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/calls/{callId}", Id = "calls.get", Role = ApiRole.Agent, Tag = "calls",
            Summary = "One live call.", Response = ApiJson.Context.CallView, Errors = [404, 503], Handler = ApiHandlers.CallAsync,
        },
        CallAction("hangup", ApiRole.Agent, "Hangs the call up (an agent token: its own call only); the record is written as usual.", ApiHandlers.HangupAsync),
        CallAction("transfer", ApiRole.Agent, "Blind-transfers the call to a queue, an agent or an external number (allowed by policy).", ApiHandlers.TransferAsync)
            with { Body = ApiJson.Context.TransferRequest },
        CallAction("supervise", ApiRole.Supervisor, "Rings a supervisor's phone and joins it to the call: listen, whisper or barge.", ApiHandlers.SuperviseAsync)
            with { Body = ApiJson.Context.SuperviseRequest },
        new()
        {
            Method = "GET", Route = "/api/records", Id = "records.query", Role = ApiRole.Supervisor, Tag = "records",
            Summary = "Call records from the JSON-lines files, filtered; the most recent `limit`, oldest first.",
            Query = RecordFilters, Response = ApiJson.Context.RecordPage, Errors = [400], Handler = ApiRecords.QueryAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/records.csv", Id = "records.export", Role = ApiRole.Admin, Tag = "records",
            Summary = "The same query as CSV (one row per call).", Query = RecordFilters, ResponseContentType = "text/csv", Errors = [400],
            Handler = ApiRecords.ExportAsync,
        },
        .. CampaignEndpoints.Operations,
        new()
        {
            Method = "GET", Route = "/api/events", Id = "events", Role = ApiRole.Agent, Tag = "events",
            Summary = "Server-sent events: `queue` (statistics when they change) and `agent` (state changes; an agent token sees its own agent only), "
                + "a keep-alive comment when idle. A client that reads too slowly is dropped.",
            ResponseContentType = "text/event-stream", Handler = ApiEventStream.ServeAsync,
        },
    ];

    /// <summary>Maps <c>/health</c>, every operation and a counted 404 for other <c>/api</c> paths.</summary>
    public static WebApplication MapAcdApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/health", ApiHealth.HandleAsync);
        foreach (var op in Operations)
        {
            app.MapMethods(op.Route, [op.Method], (HttpContext http) => RunAsync(http, op)).WithName(op.Id);
        }

        app.Map("/api/{**rest}", (HttpContext http) => RunAsync(http, Unmatched));
        return app;
    }

    private static readonly ApiOperation Unmatched = new()
    {
        Method = "GET", Route = "/api/{**rest}", Id = "unmatched", Role = ApiRole.Agent, Summary = "(no such endpoint)",
        Handler = _ => Task.FromResult(ApiProblems.NotFound("no such API endpoint")),
    };

    private static ApiOperation AgentAction(string action, string summary, Func<ApiCall, Task<IResult>> handler) => new()
    {
        Method = "POST", Route = "/api/agents/{agentId}/" + action, Id = "agents." + action, Role = ApiRole.Agent, Tag = "agents",
        Summary = summary + " An agent token acts on its own agent only.", Response = ApiJson.Context.AgentView, Errors = [400, 404, 409],
        Handler = handler,
    };

    private static ApiOperation CallAction(string action, ApiRole role, string summary, Func<ApiCall, Task<IResult>> handler) => new()
    {
        Method = "POST", Route = "/api/calls/{callId}/" + action, Id = "calls." + action, Role = role, Tag = "calls",
        Summary = summary, Response = ApiJson.Context.ActionView, Errors = [400, 404, 409, 502, 503], Handler = handler,
    };

    private static async Task RunAsync(HttpContext http, ApiOperation op)
    {
        var services = http.RequestServices;
        var metrics = services.GetRequiredService<ApiMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Acd.Server.Api");
        var remote = http.Connection.RemoteIpAddress;
        var failure = services.GetRequiredService<ApiAuthenticator>().Authenticate(http.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null,
            remote, out var principal);
        IResult result;
        if (failure != ApiAuthFailure.None)
        {
            metrics.AuthFailed(failure);
            LogAuthFailed(logger, op.Id, ApiMetrics.Label(failure), remote?.ToString() ?? "?");
            http.Response.Headers.WWWAuthenticate = failure == ApiAuthFailure.Missing ? Challenge : Challenge + ", error=\"invalid_token\"";
            result = ApiProblems.Of(StatusCodes.Status401Unauthorized, "Unauthorized", failure switch
            {
                ApiAuthFailure.Missing => "send Authorization: Bearer <token>",
                ApiAuthFailure.NotLoopback => "a sample token is accepted from loopback clients only",
                _ => "the token is not valid",
            });
        }
        else if (principal!.Role < op.Role)
        {
            metrics.AuthFailed(ApiAuthFailure.Forbidden);
            LogForbidden(logger, op.Id, principal.TokenName, principal.Role.ToString());
            result = ApiProblems.Of(StatusCodes.Status403Forbidden, "Forbidden", $"{op.Id} needs the {op.Role.ToString().ToLowerInvariant()} role");
        }
        else
        {
            try
            {
                result = await op.Handler(new ApiCall(http, principal)).ConfigureAwait(false);
            }
            catch (ApiValidationException e)
            {
                result = ApiProblems.Validation(e.Field, e.Reason);
            }
            catch (ApiNotFoundException e)
            {
                result = ApiProblems.NotFound(e.Message);
            }
            catch (ApiForbiddenException e)
            {
                metrics.AuthFailed(ApiAuthFailure.Forbidden);
                LogForbidden(logger, op.Id, principal.TokenName, principal.Role.ToString());
                result = ApiProblems.Of(StatusCodes.Status403Forbidden, "Forbidden", e.Message);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                metrics.Request(op.Id, 499);
                return;
            }
        }

        await result.ExecuteAsync(http).ConfigureAwait(false);
        metrics.Request(op.Id, http.Response.StatusCode);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "API {Endpoint}: authentication failed ({Reason}) from {Remote}")]
    private static partial void LogAuthFailed(ILogger logger, string endpoint, string reason, string remote);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "API {Endpoint}: token {Token} ({Role}) lacks the right")]
    private static partial void LogForbidden(ILogger logger, string endpoint, string token, string role);
}

/// <summary>The token is valid but may not act on this agent or call: 403.</summary>
public sealed class ApiForbiddenException : Exception
{
    public ApiForbiddenException()
    {
    }

    public ApiForbiddenException(string message)
        : base(message)
    {
    }

    public ApiForbiddenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
