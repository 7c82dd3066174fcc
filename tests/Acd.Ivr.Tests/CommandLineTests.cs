using Acd.Ivr.Tooling;

namespace Acd.Ivr.Tests;

public class CommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await IvrCommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Validate_SampleScripts_Succeeds()
    {
        var (code, output, errors) = await Run("validate", TestPaths.SampleScripts);
        Assert.Equal(0, code);
        Assert.Contains("ok     customer-service (26 nodes, numbers 100)", output, StringComparison.Ordinal);
        Assert.Contains("1 script(s), 0 error(s)", output, StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Validate_BrokenScripts_PrintsFileLineColumnAndFails()
    {
        var (code, output, errors) = await Run("validate", TestPaths.BrokenScripts);
        Assert.Equal(1, code);
        Assert.Contains("unknown-key.yaml:8:5: error IVR002: unknown key 'timout' in menu node 'main' (did you mean 'timeout'?)", errors, StringComparison.Ordinal);
        Assert.Contains("unknown-key.yaml: FAILED (2 errors)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingDirectory_Fails()
    {
        var (code, _, errors) = await Run("validate", Path.Combine(Path.GetTempPath(), "no-such-ivr-dir-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(1, code);
        Assert.Contains("script directory does not exist", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_Mermaid_DrawsTransitionsFromStatelessDescription()
    {
        var (code, output, _) = await Run("graph", "customer-service", "--dir", TestPaths.SampleScripts);
        Assert.Equal(0, code);
        Assert.StartsWith("stateDiagram-v2", output, StringComparison.Ordinal);
        Assert.Contains("main_menu --> billing_account : press 1", output, StringComparison.Ordinal);
        Assert.Contains("check_hours --> after_hours : [not business_hours('office')]", output, StringComparison.Ordinal);
        Assert.Contains("goodbye --> ended : done", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_DotToFile_WritesDigraph()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ivr-{Guid.NewGuid():N}.dot");
        try
        {
            var (code, output, _) = await Run("graph", Path.Combine(TestPaths.SampleScripts, "customer-service.yaml"), "--format", "dot", "--output", file);
            Assert.Equal(0, code);
            Assert.Contains("wrote", output, StringComparison.Ordinal);
            var dot = await File.ReadAllTextAsync(file);
            Assert.StartsWith("digraph", dot, StringComparison.Ordinal);
            Assert.Contains("\"main_menu\" -> \"operator\"", dot, StringComparison.Ordinal);
            Assert.Contains("entry / collect 6-10 digits into vars.account", dot, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Simulate_DigitsCallerAt_PrintsPathPromptsVariablesOutcome()
    {
        var (code, output, errors) = await Run("simulate", "customer-service", "--dir", TestPaths.SampleScripts, "--digits", "1,123456#", "--caller", "+15551234567", "--at", "2026-11-23T10:00");
        Assert.Equal(0, code);
        Assert.Empty(errors);
        Assert.Contains("at 2026-11-23T10:00:00 -05 America/New_York", output, StringComparison.Ordinal);
        Assert.Contains("path     welcome -> check_hours -> main_menu -> billing_account -> billing_check -> billing_queue", output, StringComparison.Ordinal);
        Assert.Contains("prompts  welcome, main-menu, enter-account, please-hold", output, StringComparison.Ordinal);
        Assert.Contains("vars     account=123456", output, StringComparison.Ordinal);
        Assert.Contains("outcome  queue billing priority 5, callback offered, exit key * -> leave_message", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_QueueConditionsAndOffset_ChangeRoute()
    {
        var (code, output, _) = await Run("simulate", "customer-service", "--dir", TestPaths.SampleScripts, "--digits", "2,1", "--queue", "support:ewt=900,agents=0", "--at", "2026-11-23T15:00:00Z");
        Assert.Equal(0, code);
        Assert.Contains("say/15, say/minutes", output, StringComparison.Ordinal);
        Assert.Contains("outcome  callback to anonymous in queue support", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], 2, "usage:")]
    [InlineData(new[] { "validat" }, 2, "unknown ivr command 'validat' (did you mean 'validate'?)")]
    [InlineData(new[] { "simulate", "customer-service", "--digts", "1" }, 2, "unknown option --digts (did you mean '--digits'?)")]
    [InlineData(new[] { "simulate", "customer-service", "--at" }, 2, "option --at needs a value")]
    [InlineData(new[] { "simulate", "customer-service", "--queue", "billing:ewt=x" }, 2, "invalid --queue")]
    [InlineData(new[] { "graph", "no-such-script" }, 1, "script 'no-such-script' not found")]
    [InlineData(new[] { "graph" }, 1, "missing <script>")]
    public async Task Run_BadUsage_ExplainsAndFails(string[] args, int expectedCode, string message)
    {
        var (code, _, errors) = await Run(args);
        Assert.Equal(expectedCode, code);
        Assert.Contains(message, errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_BadAtOrStart_Fails()
    {
        Assert.Equal(2, (await Run("simulate", "customer-service", "--dir", TestPaths.SampleScripts, "--at", "tomorrow")).Code);
        var (code, _, errors) = await Run("simulate", "customer-service", "--dir", TestPaths.SampleScripts, "--start", "main_mneu");
        Assert.Equal(2, code);
        Assert.Contains("did you mean 'main_menu'?", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PrintsUsage() => Assert.Equal(0, (await Run("--help")).Code);
}
