using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Acd.Calls.Records;

namespace Acd.Server.Api;

/// <summary>
/// The OpenAPI 3.1 document of <see cref="ApiEndpoints.Operations"/>, written from the same table that maps the routes;
/// schemas come from the source-generated JSON contracts the endpoints serialize with (<see cref="JsonSchemaExporter"/>).
/// </summary>
/// <remarks>
/// Microsoft.AspNetCore.OpenApi (10.0.15, available) would infer the same from endpoint metadata, but not the roles each
/// operation needs, the query filters the handlers read themselves, or the problem bodies; one table that does both the
/// mapping and the document keeps them from drifting (a unit test compares the document with the mapped routes).
/// </remarks>
public static class ApiOpenApi
{
    private static readonly Lazy<string> Cached = new(() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    private static readonly JsonSchemaExporterOptions SchemaOptions = new() { TreatNullObliviousAsNonNullable = true };

    /// <summary>The document as served.</summary>
    public static string Json => Cached.Value;

    internal static IResult Serve(ApiCall call) => Results.Text(Json, "application/json");

    public static JsonObject Build()
    {
        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var op in ApiEndpoints.Operations)
        {
            var item = paths[op.Route] as JsonObject ?? new JsonObject();
            paths[op.Route] = item;
            item[op.Method.ToLowerInvariant()] = Operation(op, schemas);
        }

        schemas[nameof(ApiProblem)] = Schema(ApiJson.Context.ApiProblem);
        schemas[nameof(CallRecord)] = Schema(CallRecordJson.TypeInfo);
        if (schemas[nameof(RecordPage)] is JsonObject page && page["properties"]?["records"] is JsonObject records)
        {
            records["items"] = Ref(nameof(CallRecord));
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Acd API",
                ["version"] = "1",
                ["description"] = "Queues, agents, live calls, call records and events of an Acd node. Every operation needs "
                    + "`Authorization: Bearer <token>` (roles: agent < supervisor < admin; `x-acd-role` is the least role). "
                    + "Errors are RFC 9457 problems; a 400 names each invalid field in `errors`.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/" }),
            ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
                ["schemas"] = schemas,
            },
        };
    }

    private static JsonObject Operation(ApiOperation op, JsonObject schemas)
    {
        var parameters = new JsonArray();
        foreach (var p in op.PathParameters())
        {
            parameters.Add(new JsonObject { ["name"] = p, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var q in op.Query)
        {
            var schema = new JsonObject { ["type"] = q.Type };
            if (q.Format is not null)
            {
                schema["format"] = q.Format;
            }

            parameters.Add(new JsonObject { ["name"] = q.Name, ["in"] = "query", ["required"] = false, ["description"] = q.Description, ["schema"] = schema });
        }

        var ok = new JsonObject { ["description"] = "OK" };
        if (op.Response is not null)
        {
            ok["content"] = Content("application/json", Named(op.Response, schemas));
        }
        else
        {
            ok["content"] = Content(op.ResponseContentType, new JsonObject { ["type"] = "string" });
        }

        var responses = new JsonObject { ["200"] = ok };
        foreach (var code in op.Errors.Concat([401, 403]).Distinct().Order())
        {
            responses[code.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = Describe(code),
                ["content"] = Content(ApiProblems.ContentType, Ref(nameof(ApiProblem))),
            };
        }

        var operation = new JsonObject
        {
            ["operationId"] = op.Id,
            ["summary"] = op.Summary,
            ["tags"] = new JsonArray(op.Tag),
            ["x-acd-role"] = op.Role.ToString().ToLowerInvariant(),
            ["parameters"] = parameters,
            ["responses"] = responses,
        };
        if (op.Body is not null)
        {
            operation["requestBody"] = new JsonObject { ["required"] = true, ["content"] = Content("application/json", Named(op.Body, schemas)) };
        }

        return operation;
    }

    private static JsonNode Named(JsonTypeInfo type, JsonObject schemas)
    {
        if (type.Kind == JsonTypeInfoKind.Enumerable && type.ElementType is { } element)
        {
            return new JsonObject { ["type"] = "array", ["items"] = Named(type.Options.GetTypeInfo(element), schemas) };
        }

        var name = type.Type.Name;
        if (!schemas.ContainsKey(name))
        {
            schemas[name] = Schema(type);
        }

        return Ref(name);
    }

    private static JsonNode Schema(JsonTypeInfo type) => type.GetJsonSchemaAsNode(SchemaOptions);

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    private static JsonObject Content(string mediaType, JsonNode schema) => new() { [mediaType] = new JsonObject { ["schema"] = schema } };

    private static string Describe(int code) => code switch
    {
        400 => "Validation failed: `errors` names each field and the reason",
        401 => "Missing or invalid bearer token (WWW-Authenticate: Bearer)",
        403 => "The token's role (or agent) lacks the right",
        404 => "Not found",
        409 => "Not possible in the current state",
        502 => "The action failed (e.g. a phone could not be reached)",
        503 => "Call control is not available on this node",
        _ => "Error",
    };
}
