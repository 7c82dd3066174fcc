using System.Globalization;
using System.Text;
using System.Text.Json;
using Acd.Calls.Records;
using Acd.Server.Configuration;

namespace Acd.Server.Api;

/// <summary>The filters of a call-record query.</summary>
public sealed record RecordQuery(DateTimeOffset From, DateTimeOffset To, string? Queue, string? Agent, CallOutcome? Outcome, int Limit)
{
    public const int MaxLimit = 100_000;

    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Reads and validates the query string (400 naming the field on any error).</summary>
    public static RecordQuery Parse(Func<string, string?> query, DateTimeOffset now, int defaultLimit)
    {
        ArgumentNullException.ThrowIfNull(query);
        var to = Time(query("to"), "to") ?? now;
        var from = Time(query("from"), "from") ?? to - TimeSpan.FromDays(1);
        if (from >= to)
        {
            throw new ApiValidationException("from", "must be before 'to'");
        }

        if (to - from > MaxRange)
        {
            throw new ApiValidationException("to", "the range is longer than 31 days");
        }

        CallOutcome? outcome = null;
        if (query("outcome") is { } o)
        {
            outcome = Enum.GetValues<CallOutcome>().Where(x => CallRecordJson.OutcomeName(x) == o).Select(x => (CallOutcome?)x).FirstOrDefault()
                ?? throw new ApiValidationException("outcome", $"unknown outcome '{o}' (known: {string.Join(", ", Enum.GetValues<CallOutcome>().Select(CallRecordJson.OutcomeName))})");
        }

        var limit = defaultLimit;
        if (query("limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            throw new ApiValidationException("limit", $"expected a whole number from 1 to {MaxLimit}");
        }

        return new RecordQuery(from, to, query("queue"), query("agent"), outcome, limit);
    }

    public bool Matches(CallRecord r) =>
        r.Arrived >= From && r.Arrived < To
        && (Queue is null || r.Queue == Queue)
        && (Agent is null || r.Agent == Agent)
        && (Outcome is null || r.Outcome == Outcome);

    private static DateTimeOffset? Time(string? text, string field) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : throw new ApiValidationException(field, $"'{text}' is not an ISO 8601 time (e.g. 2026-11-23T10:00:00Z)");
}

/// <summary>Reads call records from the JSON-lines files (<c>calls-YYYY-MM-DD.jsonl</c> under <c>Records:Path</c>).</summary>
public static class ApiRecords
{
    private static readonly string[] CsvColumns =
    [
        "callId", "node", "arrived", "answered", "ended", "dialedNumber", "callerId", "callerName", "ivrScript", "queue", "agent",
        "outcome", "reason", "waitSeconds", "talkSeconds", "wrapUpSeconds", "disposition",
    ];

    /// <summary>
    /// The most recent <see cref="RecordQuery.Limit"/> records matching <paramref name="query"/>, oldest first, each with
    /// its line as written. Files are named by the day a call ended, so the day after <c>To</c> is read too.
    /// </summary>
    public static async Task<IReadOnlyList<(CallRecord Record, string Line)>> ReadAsync(string directory, RecordQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var found = new Queue<(CallRecord, string)>();
        for (var day = DateOnly.FromDateTime(query.From.UtcDateTime); day <= DateOnly.FromDateTime(query.To.UtcDateTime).AddDays(1); day = day.AddDays(1))
        {
            var path = Path.Combine(directory, JsonLinesCallRecordSink.FileName(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)));
            if (!File.Exists(path))
            {
                continue;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0 || Parse(line) is not { } record || !query.Matches(record))
                {
                    continue;
                }

                found.Enqueue((record, line));
                if (found.Count > query.Limit)
                {
                    found.Dequeue();
                }
            }
        }

        return [.. found.OrderBy(x => x.Item1.Arrived)];
    }

    internal static async Task<IResult> QueryAsync(ApiCall c)
    {
        var query = RecordQuery.Parse(c.Query, c.Service<TimeProvider>().GetUtcNow(), 100);
        var records = await ReadAsync(c.Service<ServerOptions>().RecordsPath, query, c.Aborted).ConfigureAwait(false);
        var page = new RecordPage(records.Count, records.Select(r => JsonDocument.Parse(r.Line).RootElement.Clone()).ToList());
        return Results.Json(page, ApiJson.Context.RecordPage);
    }

    internal static async Task<IResult> ExportAsync(ApiCall c)
    {
        var query = RecordQuery.Parse(c.Query, c.Service<TimeProvider>().GetUtcNow(), RecordQuery.MaxLimit);
        var records = await ReadAsync(c.Service<ServerOptions>().RecordsPath, query, c.Aborted).ConfigureAwait(false);
        var csv = new StringBuilder();
        csv.AppendJoin(',', CsvColumns).Append("\r\n");
        foreach (var (r, _) in records)
        {
            csv.AppendJoin(',', Row(r).Select(Cell)).Append("\r\n");
        }

        var name = $"calls-{query.From.UtcDateTime:yyyyMMddTHHmmss}-{query.To.UtcDateTime:yyyyMMddTHHmmss}.csv";
        c.Http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    /// <summary>One CSV cell: quoted when needed; a text that a spreadsheet would run as a formula gets a leading apostrophe.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '@' or '\t' or '\r' || (value[0] is '+' or '-' && (value.Length == 1 || !char.IsAsciiDigit(value[1]))))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static CallRecord? Parse(string line)
    {
        try
        {
            return CallRecordJson.Deserialize(line);
        }
        catch (JsonException)
        {
            return null; // a line cut by a crash mid-write
        }
    }

    private static IEnumerable<string?> Row(CallRecord r) =>
    [
        r.CallId, r.Node, Time(r.Arrived), Time(r.Answered), Time(r.Ended), r.DialedNumber, r.CallerId, r.CallerName, r.IvrScript, r.Queue, r.Agent,
        CallRecordJson.OutcomeName(r.Outcome), r.Reason, Number(r.WaitSeconds), Number(r.TalkSeconds), Number(r.WrapUpSeconds), r.Disposition,
    ];

    private static string? Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string? Number(double? d) => d?.ToString("0.###", CultureInfo.InvariantCulture);
}
