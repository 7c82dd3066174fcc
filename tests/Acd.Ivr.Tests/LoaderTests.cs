using Acd.Ivr.Scripting;

namespace Acd.Ivr.Tests;

public class LoaderTests
{
    [Fact]
    public void Load_SampleScript_CompilesEveryNode()
    {
        var script = TestScripts.Sample();
        Assert.Equal("customer-service", script.Name);
        Assert.Equal(["100"], script.Numbers);
        Assert.Equal("welcome", script.StartNode);
        Assert.Equal(IvrNodeKind.Collect, script.KindOf("billing_account"));
        Assert.Null(script.KindOf("nope"));
    }

    [Fact]
    public void Load_NameDefaultsToFileName()
    {
        var result = IvrScriptLoader.Load("/x/after-hours.yaml", "start: bye\nnodes:\n  bye:\n    kind: hangup\n", TestScripts.SamplePrompts, DateTimeOffset.UnixEpoch);
        Assert.Equal("after-hours", result.Script!.Name);
    }

    [Fact]
    public void Load_SelfLoopingMenu_UsesReentry()
    {
        var script = TestScripts.Compile("""
            start: main
            nodes:
              main:
                kind: menu
                prompt: main-menu
                options: { "9": main, "1": bye }
                on_failure: bye
              bye:
                kind: hangup
            """);
        Assert.Contains("main --> main : press 9", Runtime.IvrMachineFactory.ToMermaid(script));
    }

    [Fact]
    public void Load_ManyErrors_ReportsAllAtOnceInFileOrder()
    {
        var result = TestScripts.Load("""
            start: a
            nodes:
              a:
                kind: play
                prompt: welcome
                next: b
              b:
                kind: hangupp
            """);
        Assert.Collection(
            result.Diagnostics,
            d => Assert.Equal((4, 5, IvrErrorCodes.MissingKey), (d.Location.Line, d.Location.Column, d.Code)),
            d => Assert.Equal((5, 5, IvrErrorCodes.UnknownKey, "unknown key 'prompt' in play node 'a' (did you mean 'prompts'?); allowed: prompts, barge_in, next, kind, description"), (d.Location.Line, d.Location.Column, d.Code, d.Message)),
            d => Assert.Equal((8, 11, IvrErrorCodes.UnknownKind), (d.Location.Line, d.Location.Column, d.Code)));
    }

    [Fact]
    public void Diagnostic_ToString_IsFileLineColumn()
    {
        var d = new IvrDiagnostic(new SourceLocation("ivr-scripts/x.yaml", 3, 7), IvrErrorCodes.UnknownKey, "unknown key 'timout'");
        Assert.Equal("ivr-scripts/x.yaml:3:7: error IVR002: unknown key 'timout'", d.ToString());
    }

    [Fact]
    public void LoadFile_Oversize_IsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ivr-big-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, new string('#', IvrScriptLoader.MaxFileBytes + 1));
        try
        {
            var result = IvrScriptLoader.LoadFile(path, TestScripts.SamplePrompts, DateTimeOffset.UnixEpoch);
            Assert.Equal(IvrErrorCodes.Io, Assert.Single(result.Diagnostics).Code);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("timout", "timeout")]
    [InlineData("on_falure", "on_failure")]
    [InlineData("invalid_promt", "invalid_prompt")]
    public void Suggest_Typo_FindsKey(string typo, string expected)
    {
        Assert.Equal($" (did you mean '{expected}'?)", Suggest.DidYouMean(typo, ["prompt", "options", "timeout", "invalid_prompt", "timeout_prompt", "max_retries", "on_failure"]));
    }

    [Fact]
    public void Suggest_FarWord_SuggestsNothing() => Assert.Equal(string.Empty, Suggest.DidYouMean("banana", ["prompt", "options"]));

    [Fact]
    public void PromptLibrary_LanguageVariant_IsPreferred()
    {
        var dir = Directory.CreateTempSubdirectory("ivr-prompts-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "es"));
            File.WriteAllBytes(Path.Combine(dir.FullName, "hello.wav"), [0]);
            File.WriteAllBytes(Path.Combine(dir.FullName, "es", "hello.wav"), [0]);
            var library = IvrPromptLibrary.FromDirectory(dir.FullName);
            Assert.True(library.Contains("hello"));
            Assert.Equal(Path.Combine(dir.FullName, "es", "hello.wav"), library.Resolve("hello", "es"));
            Assert.Equal(Path.Combine(dir.FullName, "hello.wav"), library.Resolve("hello", "de"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
