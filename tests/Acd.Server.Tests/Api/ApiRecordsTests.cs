using System.Net;
using System.Text.Json;
using Acd.Calls.Records;
using Acd.Server.Api;
using Xunit;

namespace Acd.Server.Tests.Api;

/// <summary>Call-record queries over JSON-lines files, and the CSV export.</summary>
public sealed class ApiRecordsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
    private ApiTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await ApiTestHost.StartAsync();
        Write(Record("a1", Day.AddHours(9), "support", "1002", CallOutcome.Answered));
        Write(Record("a2", Day.AddHours(10), "billing", "1001", CallOutcome.Answered) with { CallerName = "=HYPERLINK(\"x\")", Disposition = "resolved, happy" });
        Write(Record("a3", Day.AddHours(11), "support", null, CallOutcome.Abandoned));
        Write(Record("a4", Day.AddHours(23).AddMinutes(59), "support", "1002", CallOutcome.Answered), Day.AddDays(1).AddMinutes(2));
        await File.AppendAllTextAsync(Path.Combine(_host.RecordsPath, "calls-2026-11-22.jsonl"), "{\"callId\":\"cut-by-a-cra\n");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static CallRecord Record(string id, DateTimeOffset arrived, string? queue, string? agent, CallOutcome outcome) => new()
    {
        CallId = id, Node = "n1", DialedNumber = "100", CallerId = "+15551234567", Arrived = arrived, Ended = arrived.AddMinutes(1),
        Queue = queue, Agent = agent, Outcome = outcome, WaitSeconds = 6.5, TalkSeconds = outcome == CallOutcome.Answered ? 40 : null,
    };

    private void Write(CallRecord r, DateTimeOffset? ended = null)
    {
        r = r with { Ended = ended ?? r.Ended };
        File.AppendAllText(Path.Combine(_host.RecordsPath, JsonLinesCallRecordSink.FileName(r.Ended)), CallRecordJson.Serialize(r) + "\n");
    }

    private async Task<List<string>> IdsAsync(string query)
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/api/records?" + query, ApiTestHost.SupervisorToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var ids = page.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("callId").GetString()!).ToList();
        Assert.Equal(ids.Count, page.GetProperty("count").GetInt32());
        return ids;
    }

    [Theory]
    [InlineData("from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z", "a1 a2 a3 a4")]
    [InlineData("from=2026-11-22T09:30:00Z&to=2026-11-22T12:00:00Z", "a2 a3")]
    [InlineData("from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&queue=support", "a1 a3 a4")]
    [InlineData("from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&agent=1002", "a1 a4")]
    [InlineData("from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&outcome=abandoned", "a3")]
    [InlineData("from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&limit=2", "a3 a4")]
    [InlineData("from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z", "")]
    public async Task Query_Filters_MostRecentMatchesOldestFirst(string query, string expected)
    {
        Assert.Equal(expected, string.Join(' ', await IdsAsync(query)));
    }

    [Fact]
    public async Task Export_Admin_CsvWithHeaderQuotingAndFormulaGuard()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/api/records.csv?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z", ApiTestHost.AdminToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("callId,node,arrived,answered,ended,dialedNumber,callerId,callerName", lines[0], StringComparison.Ordinal);
        Assert.Equal("a1,n1,2026-11-22T09:00:00.000Z,,2026-11-22T09:01:00.000Z,100,+15551234567,,,support,1002,answered,,6.5,40,,", lines[1]);
        Assert.Contains(",\"'=HYPERLINK(\"\"x\"\")\",", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",\"resolved, happy\"", lines[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+15551234567", "+15551234567")]
    [InlineData("-3", "-3")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("+cmd", "'+cmd")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData(null, "")]
    public void Cell_Value_EscapedForSpreadsheets(string? value, string expected)
    {
        Assert.Equal(expected, ApiRecords.Cell(value));
    }
}
