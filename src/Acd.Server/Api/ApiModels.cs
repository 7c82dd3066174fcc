using System.Text.Json;
using System.Text.Json.Serialization;
using Acd.Calls.Inbound;
using Acd.Routing;

namespace Acd.Server.Api;

// What the API reads and writes. Serialized with the source-generated ApiJsonContext (no reflection), whose type
// infos also give the OpenAPI document its schemas, so the document and the wire format cannot drift apart.

/// <summary>A queue with its live statistics (the router's snapshot; shared by every node on Redis).</summary>
public sealed record QueueView(
    string Name,
    int Waiting,
    double LongestWaitSeconds,
    IReadOnlyDictionary<string, int> AgentsByState,
    int StaffedAgents,
    int AvailableAgents,
    double ServiceLevel,
    double? EstimatedWaitSeconds,
    long Offered,
    long Answered,
    long Abandoned,
    long AnsweredWithinServiceLevel,
    double AverageHandleSeconds)
{
    public static QueueView Of(QueueSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Queue, s.Waiting, s.LongestWaitMs / 1000.0,
            Enum.GetValues<AgentState>().ToDictionary(ApiText.State, st => s.AgentsByState.TryGetValue(st, out var n) ? n : 0, StringComparer.Ordinal),
            s.StaffedAgents, s.AvailableAgents, Math.Round(s.ServiceLevel, 4), s.EstimatedWait?.TotalSeconds,
            s.Offered, s.Answered, s.Abandoned, s.AnsweredWithinServiceLevel, Math.Round(s.AverageHandleMs / 1000.0, 3));
    }
}

/// <summary>An agent: account (no credentials) and routing state.</summary>
public sealed record AgentView(
    string Id,
    string Name,
    string Extension,
    IReadOnlyList<string> Roles,
    string State,
    string? Reason,
    DateTimeOffset? Since,
    string? CallId,
    int CallsToday,
    double TalkSecondsToday);

/// <summary>A live call on this node.</summary>
public sealed record CallView(
    string CallId,
    string CallerId,
    string? CallerName,
    string Dialed,
    string State,
    string? Queue,
    string? Agent,
    DateTimeOffset Arrived,
    DateTimeOffset? Answered,
    IReadOnlyList<string> Supervisors)
{
    public static CallView Of(ActiveCallInfo c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.CallId, c.CallerId, c.CallerName, c.Dialed, JsonNamingPolicy.CamelCase.ConvertName(c.State.ToString()), c.Queue, c.AgentId,
            c.Arrived, c.Answered, c.Supervisors);
    }
}

/// <summary>The answer of a call action (hangup, transfer, supervise).</summary>
public sealed record ActionView(string CallId, string Action, string Result);

/// <summary>Body of <c>POST /api/agents/{id}/pause</c>: a pause reason code or name from <c>pause_reasons</c>.</summary>
public sealed record PauseRequest(string? Reason);

/// <summary>Body of <c>POST /api/agents/{id}/disposition</c>: a disposition code or name from <c>dispositions</c>.</summary>
public sealed record DispositionRequest(string? Disposition);

/// <summary>Body of <c>POST /api/calls/{id}/transfer</c>: exactly one of queue, agent, external.</summary>
public sealed record TransferRequest(string? Queue, string? Agent, string? External);

/// <summary>Body of <c>POST /api/calls/{id}/supervise</c>: whose phone joins (default: the token's agent) and how.</summary>
public sealed record SuperviseRequest(string? Supervisor, string? Mode);

/// <summary>Call records (each exactly as the JSON-lines file holds it), oldest first.</summary>
public sealed record RecordPage(int Count, IReadOnlyList<JsonElement> Records);

/// <summary>An RFC 9457 problem; <see cref="Errors"/> names each invalid field and why.</summary>
public sealed record ApiProblem(string Type, string Title, int Status, string? Detail, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>The body of <c>/health</c>.</summary>
public sealed record HealthView(string Status, string Node, string Store, bool? RedisConnected, RedisHealth? Redis, SipHealth Sip);

/// <summary>Redis as seen by a PING (only when Redis is configured).</summary>
public sealed record RedisHealth(bool Connected, double? PingMs, string? Error);

/// <summary>SIP as seen by an OPTIONS sent to the node's own listener.</summary>
public sealed record SipHealth(bool Listening, string Transport, string EndPoint, string? Error);

/// <summary>An agent's state change, as the event stream and the webhooks carry it.</summary>
public sealed record AgentStateEvent(string Agent, string State, string? Reason, DateTimeOffset Time);

/// <summary>The API's JSON contracts: camelCase, and '+', '&lt;' and quotes left readable (the API serves JSON, never HTML).</summary>
internal static class ApiJson
{
    public static readonly ApiJsonContext Context = new(new JsonSerializerOptions(ApiJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

internal static class ApiText
{
    /// <summary>An agent state as the API spells it: <c>available</c>, <c>loggedOut</c>, <c>wrapUp</c>...</summary>
    public static string State(AgentState state) => JsonNamingPolicy.CamelCase.ConvertName(state.ToString());
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(QueueView))]
[JsonSerializable(typeof(IReadOnlyList<QueueView>))]
[JsonSerializable(typeof(AgentView))]
[JsonSerializable(typeof(IReadOnlyList<AgentView>))]
[JsonSerializable(typeof(CallView))]
[JsonSerializable(typeof(IReadOnlyList<CallView>))]
[JsonSerializable(typeof(ActionView))]
[JsonSerializable(typeof(PauseRequest))]
[JsonSerializable(typeof(DispositionRequest))]
[JsonSerializable(typeof(TransferRequest))]
[JsonSerializable(typeof(SuperviseRequest))]
[JsonSerializable(typeof(RecordPage))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(AgentStateEvent))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
