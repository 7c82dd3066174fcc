using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Acd.Server.Api;

/// <summary>One query parameter of an operation (for the OpenAPI document).</summary>
public sealed record ApiQueryParameter(string Name, string Type, string Description, string? Format = null);

/// <summary>
/// One API operation: the route and the role it needs, what the OpenAPI document says about it, and its handler. The
/// table of these (<see cref="ApiEndpoints.Operations"/>) both maps the routes and writes the document.
/// </summary>
public sealed record ApiOperation
{
    public required string Method { get; init; }

    /// <summary>Route pattern, e.g. <c>/api/agents/{agentId}/pause</c>.</summary>
    public required string Route { get; init; }

    /// <summary>OpenAPI operationId and the <c>endpoint</c> label of <c>acd_api_requests_total</c>.</summary>
    public required string Id { get; init; }

    public required ApiRole Role { get; init; }

    public required string Summary { get; init; }

    public string Tag { get; init; } = "api";

    public IReadOnlyList<ApiQueryParameter> Query { get; init; } = [];

    public JsonTypeInfo? Body { get; init; }

    /// <summary>The 200 body's JSON contract; null with <see cref="ResponseContentType"/> for other media types.</summary>
    public JsonTypeInfo? Response { get; init; }

    public string ResponseContentType { get; init; } = "application/json";

    /// <summary>Error statuses besides 401 and 403 that the operation answers.</summary>
    public IReadOnlyList<int> Errors { get; init; } = [];

    public required Func<ApiCall, Task<IResult>> Handler { get; init; }

    /// <summary>The names in braces of <see cref="Route"/>.</summary>
    public IEnumerable<string> PathParameters() =>
        Route.Split('/').Where(s => s.StartsWith('{') && s.EndsWith('}')).Select(s => s[1..^1]);
}

/// <summary>One authenticated request, as an operation's handler sees it.</summary>
public sealed class ApiCall(HttpContext http, ApiPrincipal principal)
{
    public HttpContext Http { get; } = http;

    public ApiPrincipal Principal { get; } = principal;

    public IServiceProvider Services => Http.RequestServices;

    public CancellationToken Aborted => Http.RequestAborted;

    public string Path(string name) => Http.Request.RouteValues[name] as string ?? string.Empty;

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Reads the JSON body; a missing or malformed body is a 400 naming the field.</summary>
    public async Task<T> BodyAsync<T>(JsonTypeInfo<T> type)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(Http.Request.Body, type, Aborted).ConfigureAwait(false)
                ?? throw new ApiValidationException("body", "a JSON object is required");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw new ApiValidationException(field, Http.Request.ContentLength == 0 || (field == "body" && e.BytePositionInLine is null or 0 && e.LineNumber is null or 0)
                ? "a JSON object is required"
                : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "expected a string" : "not valid JSON: " + FirstSentence(e.Message));
        }
    }

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message;
    }
}

/// <summary>A request field that is missing or wrong: answered 400 with a problem naming the field and the reason.</summary>
public sealed class ApiValidationException : Exception
{
    public ApiValidationException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    public ApiValidationException()
        : this("request", "invalid")
    {
    }

    public ApiValidationException(string message)
        : this("request", message)
    {
    }

    public ApiValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "request";
        Reason = message;
    }

    public string Field { get; } = "request";

    public string Reason { get; } = "invalid";
}

/// <summary>Problem answers (RFC 9457, <c>application/problem+json</c>).</summary>
public static class ApiProblems
{
    public const string ContentType = "application/problem+json";

    public static IResult Of(int status, string title, string? detail = null, IReadOnlyDictionary<string, string[]>? errors = null) =>
        Results.Json(new ApiProblem("about:blank", title, status, detail, errors), ApiJson.Context.ApiProblem, ContentType, status);

    public static IResult Validation(string field, string reason) =>
        Of(StatusCodes.Status400BadRequest, "Validation failed", $"{field}: {reason}", new Dictionary<string, string[]> { [field] = [reason] });

    public static IResult NotFound(string what) => Of(StatusCodes.Status404NotFound, "Not found", what);

    public static IResult Conflict(string why) => Of(StatusCodes.Status409Conflict, "Conflict", why);
}
