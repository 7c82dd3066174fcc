using Acd.Calls.Features;
using Acd.Server.Configuration;
using Xunit;

namespace Acd.Server.Tests.Configuration;

/// <summary>The contact-center file's <c>feature_codes</c>: defaults, overrides and every error with its line.</summary>
public sealed class FeatureCodeConfigTests
{
    private const string Base = """
        skills: [billing]
        queues:
          billing: { skills: { billing: 1 } }
        numbers:
          - { number: "100", queue: billing }
        agents:
          "1001": { password: a, skills: { billing: 5 } }

        """;

    [Fact]
    public void Load_Sample_DefaultCodes()
    {
        var config = ContactCenterConfigLoader.Load(Path.Combine(Acd.Testing.Server.AcdServerProcess.RepositoryRoot(), "deploy", "sample", "acd.yaml"));

        Assert.Equal(new FeatureCodeMap(), config.FeatureCodes);
        Assert.Equal("lunch", config.PauseReasons["2"]);
    }

    [Fact]
    public void Parse_NoFeatureCodes_Defaults() => Assert.Equal("*46", Parse(string.Empty).FeatureCodes.Pause);

    [Fact]
    public void Parse_Overrides_Taken()
    {
        var codes = Parse("""feature_codes: { login: "#1", pause: "#2", supervise: "*99" }""").FeatureCodes;

        Assert.Equal(("#1", "#2", "*47", "*48", "*99"), (codes.LoginToggle, codes.Pause, codes.Available, codes.Disposition, codes.Supervise));
    }

    [Fact]
    public void Parse_BadCodes_EveryErrorWithItsLine()
    {
        const string codes = """
            feature_codes:
              login: "*4"
              pause: "*4x"
              sneeze: "*77"
              supervise: "100"
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => Parse(codes));

        Assert.Contains(e.Errors, d => d is { Line: 10, Key: "feature_codes.pause" } && d.Message.Contains("not a feature code", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Line: 11, Key: "feature_codes.sneeze" } && d.Message.Contains("unknown key", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d.Key == "feature_codes" && d.Message.Contains("LoginToggle code '*4' is a prefix", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d.Key == "feature_codes" && d.Message.Contains("Supervise code '100' is also", StringComparison.Ordinal));
        Assert.All(e.Errors.Where(d => d.Key.StartsWith("feature_codes", StringComparison.Ordinal)), d => Assert.True(d.Line >= 8, d.ToString()));
    }

    private static ContactCenterConfig Parse(string extra) => ContactCenterConfigLoader.Parse(new StringReader(Base + extra), "acd.yaml");
}
