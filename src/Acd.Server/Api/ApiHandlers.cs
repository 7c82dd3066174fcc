using Acd.Calls.Inbound;
using Acd.Routing;
using Acd.Server.Configuration;

namespace Acd.Server.Api;

/// <summary>The handlers of the queue, agent and call operations.</summary>
internal static class ApiHandlers
{
    private static readonly string[] Modes = ["listen", "whisper", "barge"];

    public static async Task<IResult> QueuesAsync(ApiCall c)
    {
        var router = c.Service<AcdRouter>();
        var list = new List<QueueView>();
        foreach (var q in c.Service<ContactCenter>().Current.Routing.Queues)
        {
            if (await router.GetQueueSnapshotAsync(q.Name, c.Aborted).ConfigureAwait(false) is { } s)
            {
                list.Add(QueueView.Of(s));
            }
        }

        return Results.Json<IReadOnlyList<QueueView>>(list, ApiJson.Context.IReadOnlyListQueueView);
    }

    public static async Task<IResult> QueueAsync(ApiCall c)
    {
        var name = c.Path("queue");
        var known = c.Service<ContactCenter>().Current.Routing.Queues.Any(q => q.Name == name);
        var snapshot = known ? await c.Service<AcdRouter>().GetQueueSnapshotAsync(name, c.Aborted).ConfigureAwait(false) : null;
        return snapshot is null ? ApiProblems.NotFound($"no queue '{name}'") : Results.Json(QueueView.Of(snapshot), ApiJson.Context.QueueView);
    }

    public static async Task<IResult> AgentsAsync(ApiCall c)
    {
        var list = new List<AgentView>();
        foreach (var account in c.Service<ContactCenter>().Current.Agents.Where(a => c.Principal.MayActOn(a.Id)))
        {
            list.Add(await ViewAsync(c, account).ConfigureAwait(false));
        }

        return Results.Json<IReadOnlyList<AgentView>>(list, ApiJson.Context.IReadOnlyListAgentView);
    }

    public static async Task<IResult> AgentAsync(ApiCall c)
    {
        var account = OwnAgent(c);
        return Results.Json(await ViewAsync(c, account).ConfigureAwait(false), ApiJson.Context.AgentView);
    }

    public static Task<IResult> LoginAsync(ApiCall c) => ChangeAsync(c, (r, id) => r.LoginAsync(id, c.Aborted));

    public static Task<IResult> LogoutAsync(ApiCall c) => ChangeAsync(c, (r, id) => r.LogoutAsync(id, c.Aborted));

    public static Task<IResult> AvailableAsync(ApiCall c) => ChangeAsync(c, (r, id) => r.MakeAvailableAsync(id, c.Aborted));

    public static async Task<IResult> PauseAsync(ApiCall c)
    {
        OwnAgent(c);
        var body = await c.BodyAsync(ApiJson.Context.PauseRequest).ConfigureAwait(false);
        var reason = Code(body.Reason, "reason", c.Service<ContactCenter>().Current.PauseReasons);
        return await ChangeAsync(c, (r, id) => r.PauseAsync(id, reason, c.Aborted)).ConfigureAwait(false);
    }

    public static async Task<IResult> DispositionAsync(ApiCall c)
    {
        var account = OwnAgent(c);
        var body = await c.BodyAsync(ApiJson.Context.DispositionRequest).ConfigureAwait(false);
        var disposition = Code(body.Disposition, "disposition", c.Service<ContactCenter>().Current.Dispositions);
        var calls = c.Services.GetService<InboundCallService>() ?? c.Services.GetService<Acd.Server.Calls.InboundCallHost>()?.Calls;
        if (calls is null)
        {
            return ApiProblems.Of(StatusCodes.Status503ServiceUnavailable, "Unavailable", "the call service is not running on this node");
        }

        return calls.SetDisposition(account.Id, disposition)
            ? Results.Json(await ViewAsync(c, account).ConfigureAwait(false), ApiJson.Context.AgentView)
            : ApiProblems.Conflict($"agent {account.Id} has no call in wrap-up on this node");
    }

    public static Task<IResult> CallsAsync(ApiCall c)
    {
        if (CallControl(c) is not { } control)
        {
            return Task.FromResult(Unavailable());
        }

        var calls = control.ActiveCalls().Where(x => c.Principal.Role >= ApiRole.Supervisor || (x.AgentId is not null && x.AgentId == c.Principal.Agent))
            .Select(CallView.Of).ToList();
        return Task.FromResult(Results.Json<IReadOnlyList<CallView>>(calls, ApiJson.Context.IReadOnlyListCallView));
    }

    public static Task<IResult> CallAsync(ApiCall c) =>
        Task.FromResult(WithCall(c, (_, call) => Results.Json(CallView.Of(call), ApiJson.Context.CallView)));

    public static Task<IResult> HangupAsync(ApiCall c) =>
        ActAsync(c, "hangup", (control, id) => control.HangupAsync(id, c.Aborted));

    public static async Task<IResult> TransferAsync(ApiCall c)
    {
        var body = await c.BodyAsync(ApiJson.Context.TransferRequest).ConfigureAwait(false);
        var given = new[] { ("queue", body.Queue), ("agent", body.Agent), ("external", body.External) }.Where(p => !string.IsNullOrWhiteSpace(p.Item2)).ToList();
        if (given.Count != 1)
        {
            throw new ApiValidationException("queue", given.Count == 0
                ? "give exactly one target: queue, agent or external"
                : "give exactly one target, not " + string.Join(" and ", given.Select(g => g.Item1)));
        }

        var config = c.Service<ContactCenter>().Current;
        var (field, value) = given[0];
        var target = field switch
        {
            "queue" when config.Routing.Queues.Any(q => q.Name == value) => new TransferTarget(TransferTargetKind.Queue, value!),
            "queue" => throw new ApiValidationException("queue", $"unknown queue '{value}' (known: {string.Join(", ", config.Routing.Queues.Select(q => q.Name))})"),
            "agent" when config.Agents.FirstOrDefault(a => a.Id == value || a.Extension == value) is { } a => new TransferTarget(TransferTargetKind.Agent, a.Extension),
            "agent" => throw new ApiValidationException("agent", $"unknown agent '{value}'"),
            _ when IsDialable(value!) => new TransferTarget(TransferTargetKind.External, value!.Trim()),
            _ => throw new ApiValidationException("external", "expected a number (+, digits, *, #; up to 32) or a sip: URI"),
        };
        return await ActAsync(c, "transfer", (control, id) => control.TransferAsync(id, target, c.Aborted)).ConfigureAwait(false);
    }

    public static async Task<IResult> SuperviseAsync(ApiCall c)
    {
        var body = await c.BodyAsync(ApiJson.Context.SuperviseRequest).ConfigureAwait(false);
        var mode = body.Mode ?? "listen";
        if (!Modes.Contains(mode))
        {
            throw new ApiValidationException("mode", $"unknown mode '{mode}' (known: {string.Join(", ", Modes)})");
        }

        var supervisorId = body.Supervisor ?? c.Principal.Agent ?? throw new ApiValidationException("supervisor", "required (the supervisor's agent id): this token names no agent");
        var account = c.Service<ContactCenter>().Current.Agents.FirstOrDefault(a => a.Id == supervisorId)
            ?? throw new ApiValidationException("supervisor", $"unknown agent '{supervisorId}'");
        if (!account.Roles.Contains("supervisor") && !account.Roles.Contains("admin"))
        {
            throw new ApiValidationException("supervisor", $"agent {supervisorId} does not have the supervisor role");
        }

        var how = Enum.Parse<SupervisionMode>(mode, ignoreCase: true);
        return await ActAsync(c, mode, (control, id) => control.SuperviseAsync(id, account.Id, how, c.Aborted)).ConfigureAwait(false);
    }

    /// <summary>The agent of the route, checked against the token (403 for another agent's with an agent token).</summary>
    private static AgentAccount OwnAgent(ApiCall c)
    {
        var id = c.Path("agentId");
        var account = c.Service<ContactCenter>().Current.Agents.FirstOrDefault(a => a.Id == id);
        if (!c.Principal.MayActOn(id))
        {
            throw new ApiForbiddenException($"an agent token acts on its own agent ({c.Principal.Agent}) only");
        }

        return account ?? throw new ApiNotFoundException($"no agent '{id}'");
    }

    private static async Task<IResult> ChangeAsync(ApiCall c, Func<AcdRouter, string, Task<RoutingResult>> change)
    {
        var account = OwnAgent(c);
        var result = await change(c.Service<AcdRouter>(), account.Id).ConfigureAwait(false);
        return result.Error switch
        {
            RoutingError.None => Results.Json(await ViewAsync(c, account).ConfigureAwait(false), ApiJson.Context.AgentView),
            RoutingError.UnknownAgent => ApiProblems.NotFound(result.Reason ?? $"no agent '{account.Id}'"),
            _ => ApiProblems.Conflict(result.Reason ?? result.Error.ToString()),
        };
    }

    private static async Task<AgentView> ViewAsync(ApiCall c, AgentAccount a)
    {
        var s = await c.Service<AcdRouter>().GetAgentAsync(a.Id, c.Aborted).ConfigureAwait(false);
        return new AgentView(a.Id, a.Name, a.Extension, a.Roles, ApiText.State(s?.State ?? AgentState.LoggedOut), s?.Reason,
            s is { SinceMs: > 0 } ? DateTimeOffset.FromUnixTimeMilliseconds(s.SinceMs) : null, s?.CallId, s?.CallsToday ?? 0, (s?.TalkMsToday ?? 0) / 1000.0);
    }

    /// <summary>A code or a name of <paramref name="codes"/> (code to name), as the name.</summary>
    private static string Code(string? given, string field, IReadOnlyDictionary<string, string> codes)
    {
        if (string.IsNullOrWhiteSpace(given))
        {
            throw new ApiValidationException(field, "required");
        }

        if (codes.TryGetValue(given, out var name))
        {
            return name;
        }

        return codes.Values.Contains(given, StringComparer.Ordinal)
            ? given
            : throw new ApiValidationException(field, $"unknown {field} '{given}' (known: {string.Join(", ", codes.Select(p => $"{p.Key} {p.Value}"))})");
    }

    private static bool IsDialable(string value)
    {
        var v = value.Trim();
        if (v.StartsWith("sip:", StringComparison.OrdinalIgnoreCase))
        {
            return v.Length is > 4 and <= 256 && !v.Any(char.IsWhiteSpace) && !v.Contains('>') && !v.Contains('<');
        }

        return v.Length is > 0 and <= 32 && v.Select((ch, i) => char.IsAsciiDigit(ch) || ch is '*' or '#' || (ch == '+' && i == 0)).All(ok => ok) && v.Any(char.IsAsciiDigit);
    }

    private static ICallControl? CallControl(ApiCall c) => c.Services.GetService<ICallControl>();

    private static IResult Unavailable() =>
        ApiProblems.Of(StatusCodes.Status503ServiceUnavailable, "Unavailable", "call control is not available on this node");

    private static IResult WithCall(ApiCall c, Func<ICallControl, ActiveCallInfo, IResult> then)
    {
        if (CallControl(c) is not { } control)
        {
            return Unavailable();
        }

        var id = c.Path("callId");
        var call = control.Find(id);
        if (call is null)
        {
            return ApiProblems.NotFound($"no live call '{id}' on this node");
        }

        if (c.Principal.Role < ApiRole.Supervisor && (call.AgentId is null || call.AgentId != c.Principal.Agent))
        {
            throw new ApiForbiddenException($"an agent token acts on its own agent's call only");
        }

        return then(control, call);
    }

    private static async Task<IResult> ActAsync(ApiCall c, string action, Func<ICallControl, string, Task<CallControlResult>> act)
    {
        Task<CallControlResult>? pending = null;
        var early = WithCall(c, (control, call) =>
        {
            pending = act(control, call.CallId);
            return Results.Empty;
        });
        if (pending is null)
        {
            return early;
        }

        var result = await pending.ConfigureAwait(false);
        var id = c.Path("callId");
        return result.Error switch
        {
            CallControlError.None => Results.Json(new ActionView(id, action, "ok"), ApiJson.Context.ActionView),
            CallControlError.NotFound => ApiProblems.NotFound(result.Reason ?? $"no live call '{id}' on this node"),
            CallControlError.Failed => ApiProblems.Of(StatusCodes.Status502BadGateway, "Failed", result.Reason),
            _ => ApiProblems.Conflict(result.Reason ?? result.Error.ToString()),
        };
    }
}

/// <summary>No such agent: 404.</summary>
public sealed class ApiNotFoundException : Exception
{
    public ApiNotFoundException()
    {
    }

    public ApiNotFoundException(string message)
        : base(message)
    {
    }

    public ApiNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
