using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Acd.Server.Tests.Configuration;
using Xunit;

namespace Acd.Server.Tests.Operations;

/// <summary>
/// The Prometheus rules and Grafana dashboards shipped in deploy/ are valid and use only documented metrics
/// (docs/operations.md is the list) and recording rules that exist.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static readonly string Root = ContactCenterConfigLoaderTests.RepoRoot();
    private static readonly string Prometheus = Path.Combine(Root, "deploy", "prometheus");

    [Fact]
    public void Promtool_Config_IsValid() => AssertPromtool("check", "config", Path.Combine(Prometheus, "prometheus.yml"));

    [Fact]
    public void Promtool_Rules_AreValid() =>
        AssertPromtool("check", "rules", Path.Combine(Prometheus, "acd-recording-rules.yml"), Path.Combine(Prometheus, "acd-alert-rules.yml"));

    [Fact]
    public void Rules_UseOnlyDocumentedMetrics()
    {
        var text = File.ReadAllText(Path.Combine(Prometheus, "acd-recording-rules.yml")) + File.ReadAllText(Path.Combine(Prometheus, "acd-alert-rules.yml"));

        AssertKnown(MetricNames(text), "rules");
    }

    [Fact]
    public void Dashboards_EveryPanelHasAQueryOnTheAcdDataSource()
    {
        var dashboards = Directory.GetFiles(Path.Combine(Root, "deploy", "grafana", "dashboards"), "*.json");
        Assert.Equal(4, dashboards.Length);
        foreach (var file in dashboards)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var panels = doc.RootElement.GetProperty("panels").EnumerateArray().ToList();
            Assert.NotEmpty(panels);
            foreach (var panel in panels)
            {
                var title = panel.GetProperty("title").GetString();
                Assert.Equal("acd-prometheus", panel.GetProperty("datasource").GetProperty("uid").GetString());
                var targets = panel.GetProperty("targets").EnumerateArray().ToList();
                Assert.True(targets.Count > 0, $"{Path.GetFileName(file)}: panel '{title}' has no query");
                foreach (var target in targets)
                {
                    Assert.Equal("acd-prometheus", target.GetProperty("datasource").GetProperty("uid").GetString());
                    var expr = target.GetProperty("expr").GetString();
                    Assert.False(string.IsNullOrWhiteSpace(expr), $"{Path.GetFileName(file)}: panel '{title}' has an empty query");
                    AssertKnown(MetricNames(expr!), $"{Path.GetFileName(file)} panel '{title}'");
                }
            }
        }
    }

    private static void AssertKnown(IEnumerable<string> used, string where)
    {
        var documented = DocumentedMetrics();
        var recorded = RecordedNames();
        var unknown = used.Where(m => !documented.Contains(Base(m)) && !recorded.Contains(m)).Distinct(StringComparer.Ordinal).ToList();

        Assert.True(unknown.Count == 0, $"{where} uses metrics that are neither documented nor recorded: {string.Join(", ", unknown)}");
    }

    private static string Base(string metric)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (metric.EndsWith(suffix, StringComparison.Ordinal))
            {
                return metric[..^suffix.Length];
            }
        }

        return metric;
    }

    private static HashSet<string> DocumentedMetrics()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "operations.md"));
        var names = DocumentedRow().Matches(doc).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.True(names.Count >= 30, "docs/operations.md lists the metrics in a table");
        return names;
    }

    private static HashSet<string> RecordedNames() =>
        RecordRule().Matches(File.ReadAllText(Path.Combine(Prometheus, "acd-recording-rules.yml")))
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> MetricNames(string expr) => MetricName().Matches(expr).Select(m => m.Value);

    private static void AssertPromtool(params string[] args)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "promtool did not finish");
        Assert.True(process.ExitCode == 0, $"promtool {string.Join(' ', args)} failed: {output.Result}{error}");
    }

    [GeneratedRegex(@"^\| `(acd_[a-z0-9_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRow();

    [GeneratedRegex(@"record: (\S+)")]
    private static partial Regex RecordRule();

    [GeneratedRegex(@"\b(queue:acd_[a-z0-9_]+:[a-z0-9_]+|acd_[a-z0-9_]+)\b")]
    private static partial Regex MetricName();
}
