using System.Text.RegularExpressions;
using Acd.Ivr.Scripting;

namespace Acd.Ivr.Tests;

/// <summary>
/// The corpus under broken/: each file ends with "# expect: line:column CODE message" lines; the loader must
/// report exactly those diagnostics (all of them, at once), and refuse the script.
/// </summary>
public partial class BrokenScriptTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(TestPaths.BrokenScripts, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadFile_BrokenScript_ReportsEveryExpectedErrorAtItsLine(string name)
    {
        var path = Path.Combine(TestPaths.BrokenScripts, name);
        var expected = File.ReadLines(path).Select(l => ExpectRegex().Match(l)).Where(m => m.Success).ToList();
        Assert.NotEmpty(expected);

        var result = IvrScriptLoader.LoadFile(path, IvrPromptLibrary.FromDirectory(Path.Combine(TestPaths.BrokenScripts, "prompts")), DateTimeOffset.UnixEpoch);

        Assert.False(result.Succeeded);
        Assert.Equal(expected.Count, result.Diagnostics.Count);
        foreach (var match in expected)
        {
            var line = int.Parse(match.Groups[1].Value);
            var column = int.Parse(match.Groups[2].Value);
            var code = match.Groups[3].Value;
            var message = match.Groups[4].Value;
            Assert.Contains(result.Diagnostics, d =>
                d.Location == new SourceLocation(path, line, column) && d.Code == code && d.Message.StartsWith(message, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Corpus_CoversEveryErrorCode()
    {
        var codes = Directory.EnumerateFiles(TestPaths.BrokenScripts, "*.yaml")
            .SelectMany(File.ReadLines)
            .Select(l => ExpectRegex().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Groups[3].Value)
            .ToHashSet();
        string[] all = [IvrErrorCodes.Syntax, IvrErrorCodes.UnknownKey, IvrErrorCodes.MissingKey, IvrErrorCodes.InvalidValue, IvrErrorCodes.UnknownKind, IvrErrorCodes.DanglingTarget, IvrErrorCodes.Unreachable, IvrErrorCodes.MissingPrompt, IvrErrorCodes.NoWayOut, IvrErrorCodes.InputlessLoop, IvrErrorCodes.InvalidPattern, IvrErrorCodes.InvalidExpression];
        Assert.Empty(all.Except(codes));
    }

    [GeneratedRegex(@"^# expect: (\d+):(\d+) (IVR\d{3}) (.+)$")]
    private static partial Regex ExpectRegex();
}
