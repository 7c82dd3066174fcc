using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Integration.Tests.Server;
using Acd.Testing.Server;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Deploy;

/// <summary>
/// The series a real node exports: every documented metric from the start (dashboards show 0, not "no data"), and
/// no series per call however many calls go through IVR, queue and call layers.
/// </summary>
public sealed partial class MetricSeriesTests
{
    /// <summary>Documented series that must be 0 on a fresh node (queue support is configured in the sample).</summary>
    private static readonly string[] ZeroAtStart =
    [
        "acd_queue_wait_seconds_count{queue=\"support\"} 0",
        "acd_queue_handle_seconds_count{queue=\"support\"} 0",
        "acd_queue_talk_seconds_count{queue=\"support\"} 0",
        "acd_queue_calls_abandoned_total{queue=\"support\"} 0",
        "acd_calls_total{outcome=\"answered\"} 0",
        "acd_calls_total{outcome=\"abandoned\"} 0",
        "acd_calls_refused_total{reason=\"unknown_number\"} 0",
        "acd_sip_parse_errors_total{reason=\"invalid_request_line\"} 0",
        "acd_sip_auth_failures_total{reason=\"bad_response\"} 0",
        "acd_sip_transactions_timed_out_total{kind=\"server_invite\"} 0",
        "acd_rtp_packets_lost_total 0",
        "acd_rtp_jitter_seconds_count 0",
        "acd_redis_errors_total 0",
    ];

    [Fact]
    public async Task Scrape_FreshNode_EveryDocumentedMetricPresent()
    {
        await using var harness = await InboundCallHarness.StartAsync();
        var text = await harness.MetricsAsync();
        var lines = text.Split('\n');
        var documented = DocumentedRow().Matches(await File.ReadAllTextAsync(Path.Combine(AcdServerProcess.RepositoryRoot(), "docs", "operations.md")))
            .Select(m => m.Groups[1].Value).ToList();
        Assert.True(documented.Count >= 50, "docs/operations.md lists the metrics in a table");

        // Optional components' metrics exist where the node runs the component (then all of them must): the dialer
        // (Dialer:File) and the webhooks (Api:Config with webhooks).
        string[] optional = ["acd_dialer_", "acd_webhook_"];
        var running = optional.Where(prefix => lines.Any(l => l.StartsWith("# TYPE " + prefix, StringComparison.Ordinal))).ToList();
        var missing = documented.Where(name => !lines.Any(l => l.StartsWith($"# TYPE {name} ", StringComparison.Ordinal)))
            .Where(name => !optional.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)) || running.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal))).ToList();

        Assert.True(missing.Count == 0, "missing on a fresh node: " + string.Join(", ", missing) + "\n" + text);
        foreach (var series in ZeroAtStart)
        {
            Assert.Contains(series, lines);
        }
    }

    /// <summary>
    /// 10,000 callers dial 100 at 400 calls/s and hang up in the welcome prompt (IVR, call and SIP metrics), while 20
    /// more press 2 and abandon the support queue after about 7 s (queue metrics); the acd_ series after the first
    /// 1,000 calls and after all 10,000 are the same set.
    /// </summary>
    [Fact]
    public async Task Calls_TenThousandThroughIvrAndQueue_NoPerCallSeries()
    {
        await using var harness = await InboundCallHarness.StartAsync(null, RtpRanges.Free(1000));

        await CallsAsync(harness, 1_000);
        var after1000 = await SettledSeriesAsync(harness, 1_000 + 10);
        await CallsAsync(harness, 9_000);
        var after10000 = await SettledSeriesAsync(harness, 10_000 + 20);

        // The same set, except that a loaded box may show a first occurrence of a closed-vocabulary value later on (a
        // 100 Trying sent because an INVITE waited over 200 ms, a transport drop reason): bounded by the protocol, not by
        // the calls, and capped by the bridge. Nothing that names a call, a number or a tag may appear.
        var added = after10000.Except(after1000).ToList();
        var gone = after1000.Except(after10000).ToList();
        var unexpected = added.Where(series => !BoundedLabel().IsMatch(series)).ToList();
        Assert.True(gone.Count == 0 && unexpected.Count == 0 && added.Count <= 5,
            "new: " + string.Join(", ", added) + "; gone: " + string.Join(", ", gone));
        var text = await harness.MetricsAsync();
        Assert.Contains("acd_queue_calls_abandoned_total{queue=\"support\"} 20", text, StringComparison.Ordinal);
        Assert.Contains("acd_calls_total{outcome=\"abandoned\"} 10020", text, StringComparison.Ordinal);
    }

    /// <summary><paramref name="calls"/> short IVR calls at 400/s and, alongside, 10 callers who abandon the support queue.</summary>
    private static async Task CallsAsync(InboundCallHarness harness, int calls)
    {
        var abandon = harness.CallerAsync("caller_support_abandon.xml", 10, "-d", "12000", "-r", "5");
        var ivr = await Sipp.RunAsync(InboundCallHarness.Scenario("invite_bye.xml"), harness.Server.SipTarget, calls, TimeSpan.FromSeconds(60),
            ["-r", "400", "-buff_size", "4194304"]);
        Assert.True(ivr.ExitCode == 0, ivr.ToString());
        var queued = await abandon;
        Assert.True(queued.ExitCode == 0, queued.ToString());
    }

    /// <summary>Waits (bounded) until the node counted <paramref name="finished"/> finished calls; returns its acd_ series (values left out).</summary>
    private static async Task<HashSet<string>> SettledSeriesAsync(InboundCallHarness harness, int finished)
    {
        var expected = string.Create(CultureInfo.InvariantCulture, $"acd_calls_total{{outcome=\"abandoned\"}} {finished}");
        Assert.True(await harness.WaitForMetricAsync(expected, TimeSpan.FromSeconds(20)), await harness.MetricsAsync());
        Assert.True(await harness.WaitForMetricAsync("acd_calls_active 0", TimeSpan.FromSeconds(20)), await harness.MetricsAsync());
        return (await harness.MetricsAsync()).Split('\n').Where(l => l.StartsWith("acd_", StringComparison.Ordinal))
            .Select(l => l[..l.LastIndexOf(' ')]).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>One label from a closed vocabulary: a SIP status code, or a reason/kind/result word.</summary>
    [GeneratedRegex(@"^acd_[a-z0-9_]+\{(code=""[1-6][0-9][0-9]""|(reason|kind|result)=""[a-z_]{1,40}"")\}$")]
    private static partial Regex BoundedLabel();

    [GeneratedRegex(@"^\| `(acd_[a-z0-9_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRow();
}
