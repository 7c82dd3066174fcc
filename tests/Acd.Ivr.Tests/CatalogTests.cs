using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Ivr.Tests;

/// <summary>Hot reload with real files in a temp directory; reloads are explicit (or driven by a fake clock).</summary>
public sealed class CatalogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ivr-catalog-");
    private readonly IvrMetrics _metrics = new();

    public CatalogTests()
    {
        var prompts = Directory.CreateDirectory(Path.Combine(_dir.FullName, "prompts"));
        foreach (var name in new[] { "main-menu", "goodbye" })
        {
            File.Copy(Path.Combine(TestPaths.SampleScripts, "prompts", name + ".wav"), Path.Combine(prompts.FullName, name + ".wav"));
        }
    }

    private static string Script(string queue, string number = "200") => $$"""
        numbers: ["{{number}}"]
        start: main
        nodes:
          main:
            kind: menu
            prompt: main-menu
            options: { "1": q }
            on_failure: q
          q:
            kind: queue
            queue: {{queue}}
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private IvrScriptCatalog Catalog(TimeProvider? time = null) =>
        new(new IvrCatalogOptions { Directory = _dir.FullName }, time ?? TimeProvider.System, _metrics);

    [Fact]
    public void Reload_Directory_ServesScriptsByNameAndNumber()
    {
        Write("sales.yaml", Script("sales"));
        using var catalog = Catalog();
        var set = catalog.Reload();
        Assert.Empty(set.Diagnostics);
        Assert.True(set.TryGetScript("sales", out var script));
        Assert.True(set.TryGetByNumber("200", out var byNumber));
        Assert.Same(script, byNumber);
        Assert.False(set.TryGetByNumber("999", out _));
    }

    [Fact]
    public async Task Reload_EditedScript_NewCallsUseNewVersionOldCallsFinishOnTheirs()
    {
        Write("sales.yaml", Script("old-queue"));
        using var catalog = Catalog();
        catalog.Reload();
        Assert.True(catalog.Current.TryGetScript("sales", out var v1));
        using var call = CallHarness.Start(v1);
        await call.AtNodeAsync("main");

        Write("sales.yaml", Script("new-queue"));
        var set = catalog.Reload();

        Assert.True(set.TryGetScript("sales", out var v2));
        Assert.NotSame(v1, v2);
        call.Press("1");
        Assert.Equal("old-queue", Assert.IsType<IvrQueueOutcome>((await call.ResultAsync()).Outcome).Queue);
        using var next = CallHarness.Start(v2);
        await next.AtNodeAsync("main");
        next.Press("1");
        Assert.Equal("new-queue", Assert.IsType<IvrQueueOutcome>((await next.ResultAsync()).Outcome).Queue);
    }

    [Fact]
    public void Reload_BrokenEdit_KeepsServingPreviousVersionAndReportsErrors()
    {
        using var rejected = new MetricCollector<long>(_metrics.Meter, "acd_ivr_script_errors_total");
        var path = Write("sales.yaml", Script("sales"));
        Write("support.yaml", Script("support", "300"));
        using var catalog = Catalog();
        catalog.Reload();
        catalog.Current.TryGetScript("sales", out var good);

        Write("sales.yaml", Script("sales").Replace("kind: menu", "kind: mneu", StringComparison.Ordinal));
        var set = catalog.Reload();

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal((path, 5, 11, IvrErrorCodes.UnknownKind), (error.Location.File, error.Location.Line, error.Location.Column, error.Code));
        Assert.True(set.TryGetScript("sales", out var serving));
        Assert.Same(good, serving);
        Assert.True(set.TryGetScript("support", out _));
        Assert.Single(rejected.GetMeasurementSnapshot());
    }

    [Fact]
    public void Reload_NewBrokenFile_IsRefusedOthersServe()
    {
        Write("sales.yaml", Script("sales"));
        Write("broken.yaml", "start: nowhere\nnodes: {}\n");
        using var catalog = Catalog();
        var set = catalog.Reload();
        Assert.Equal(["sales"], set.Scripts.Keys);
        Assert.NotEmpty(set.Diagnostics);
        Assert.All(set.Diagnostics, d => Assert.EndsWith("broken.yaml", d.Location.File, StringComparison.Ordinal));
    }

    [Fact]
    public void Reload_DeletedFile_StopsServingIt()
    {
        var path = Write("sales.yaml", Script("sales"));
        using var catalog = Catalog();
        catalog.Reload();
        File.Delete(path);
        Assert.Empty(catalog.Reload().Scripts);
    }

    [Fact]
    public void Reload_DuplicateNameOrNumber_FirstFileWins()
    {
        Write("a.yaml", "name: same\n" + Script("a"));
        Write("b.yaml", "name: same\n" + Script("b", "201"));
        Write("c.yaml", Script("c"));
        using var catalog = Catalog();
        var set = catalog.Reload();
        Assert.Equal(2, set.Diagnostics.Count);
        Assert.Contains(set.Diagnostics, d => d.Message.Contains("script name 'same' is already used", StringComparison.Ordinal));
        Assert.Contains(set.Diagnostics, d => d.Message.Contains("dialed number '200' is already answered by script 'same'", StringComparison.Ordinal));
        set.TryGetByNumber("200", out var s);
        Assert.EndsWith("a.yaml", s.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_MissingDirectory_ReportsErrorWithoutThrowing()
    {
        using var catalog = new IvrScriptCatalog(new IvrCatalogOptions { Directory = Path.Combine(_dir.FullName, "nope") }, TimeProvider.System, _metrics);
        var set = catalog.Reload();
        Assert.Empty(set.Scripts);
        Assert.Equal(IvrErrorCodes.Io, Assert.Single(set.Diagnostics).Code);
    }

    [Fact]
    public void OnFileChanged_Burst_ReloadsOnceAfterQuietPeriod()
    {
        Write("sales.yaml", Script("sales"));
        var time = new FakeTimeProvider();
        using var catalog = Catalog(time);
        catalog.Reload();
        var version = catalog.Current.Version;

        catalog.OnFileChanged();
        time.Advance(TimeSpan.FromMilliseconds(300));
        catalog.OnFileChanged();
        time.Advance(TimeSpan.FromMilliseconds(300));
        catalog.OnFileChanged();
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(version, catalog.Current.Version);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(version + 1, catalog.Current.Version);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(version + 1, catalog.Current.Version);
    }

    [Fact]
    public async Task StartWatching_RealFileEdit_ReloadsAfterDebounce()
    {
        Write("sales.yaml", Script("old-queue"));
        var time = new FakeTimeProvider();
        using var catalog = Catalog(time);
        catalog.Reload();
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        catalog.ChangeObserved += () => changed.TrySetResult();
        catalog.StartWatching();

        Write("sales.yaml", Script("new-queue"));
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.True(catalog.Current.TryGetScript("sales", out var script));
        Assert.Equal("new-queue", ((QueueNode)script.NodeByName["q"]).Queue);
    }

    [Fact]
    public void Options_Invalid_ListsEveryError()
    {
        var errors = new IvrCatalogOptions { Directory = " ", ReloadDebounce = TimeSpan.FromHours(1) }.Validate();
        Assert.Equal(2, errors.Count);
        Assert.Throws<ArgumentException>(() => new IvrScriptCatalog(new IvrCatalogOptions { Directory = "" }, TimeProvider.System, _metrics));
        Assert.Equal(4, new IvrEngineOptions { MaxPendingEvents = 0, MaxTransitionsWithoutInput = 0, MaxVariables = 0, MaxVariableLength = 0 }.Validate().Count);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _dir.Delete(recursive: true);
    }
}

public sealed class SamplesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ivr-samples-");

    [Fact]
    public void ExtractTo_EmptyDirectory_WritesTheRepositorySamplesByteForByte()
    {
        var written = IvrSamples.ExtractTo(_dir.FullName);
        Assert.Equal(IvrSamples.Files.Count, written);
        Assert.Contains("customer-service.yaml", IvrSamples.Files);
        Assert.Contains("prompts/say/7.wav", IvrSamples.Files);
        foreach (var file in IvrSamples.Files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(TestPaths.SampleScripts, file)), File.ReadAllBytes(Path.Combine(_dir.FullName, file)));
        }
    }

    [Fact]
    public void ExtractTo_ExistingFile_IsKept()
    {
        var path = Path.Combine(_dir.FullName, "customer-service.yaml");
        File.WriteAllText(path, "mine");
        IvrSamples.ExtractTo(_dir.FullName);
        Assert.Equal("mine", File.ReadAllText(path));
    }

    [Fact]
    public void Reload_SeedWithSamples_ServesCustomerServiceOnNumber100()
    {
        using var metrics = new IvrMetrics();
        using var catalog = new IvrScriptCatalog(new IvrCatalogOptions { Directory = _dir.FullName, SeedWithSamples = true }, TimeProvider.System, metrics);
        var set = catalog.Reload();
        Assert.Empty(set.Diagnostics);
        Assert.True(set.TryGetByNumber("100", out var script));
        Assert.Equal("customer-service", script.Name);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
