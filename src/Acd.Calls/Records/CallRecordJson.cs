using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Acd.Calls.Records;

/// <summary>
/// The one JSON form of a <see cref="CallRecord"/>, shared by every sink (the JSON-lines file and the Redis stream's
/// <c>json</c> field): camelCase names, <see cref="CallOutcome"/> as a camelCase string (<c>"abandoned"</c>), null
/// members left out, '+' and non-ASCII text unescaped, one line (never indented), non-finite numbers as <c>"NaN"</c>/<c>"Infinity"</c>.
/// IVR variable names are kept as they are.
/// </summary>
public static class CallRecordJson
{
    private static readonly string[] OutcomeNames = Enum.GetValues<CallOutcome>().Select(o => JsonNamingPolicy.CamelCase.ConvertName(o.ToString())).ToArray();

    // Records go to files and Redis, never into HTML: phone numbers keep their '+' instead of "\u002B". Quotes,
    // backslashes and control characters are still escaped.
    private static readonly CallRecordJsonContext Context = new(new JsonSerializerOptions(CallRecordJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>The source-generated contract of <see cref="CallRecord"/> (for callers that serialize it themselves).</summary>
    public static JsonTypeInfo<CallRecord> TypeInfo => Context.CallRecord;

    /// <summary>The record as one line of JSON (no line break inside or at the end).</summary>
    public static string Serialize(CallRecord record) => JsonSerializer.Serialize(record, TypeInfo);

    /// <summary>Reads a record written by <see cref="Serialize"/>; null for the JSON literal <c>null</c>.</summary>
    /// <exception cref="JsonException">The text is not a call record.</exception>
    public static CallRecord? Deserialize(string json) => JsonSerializer.Deserialize(json, TypeInfo);

    /// <summary>The outcome as it appears in the JSON (<c>"answered"</c>, <c>"abandoned"</c>...).</summary>
    public static string OutcomeName(CallOutcome outcome) =>
        (uint)outcome < (uint)OutcomeNames.Length ? OutcomeNames[(int)outcome] : ((int)outcome).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Outcomes as camelCase strings; numbers are refused on reading.</summary>
internal sealed class CallOutcomeJsonConverter() : JsonStringEnumConverter<CallOutcome>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(CallOutcomeJsonConverter)])]
[JsonSerializable(typeof(CallRecord))]
internal sealed partial class CallRecordJsonContext : JsonSerializerContext;
