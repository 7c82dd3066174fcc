using System.Security.Cryptography;
using Acd.Routing;
using Acd.Server.Configuration;
using Xunit;

namespace Acd.Server.Tests.Configuration;

public sealed class ContactCenterConfigLoaderTests
{
    private static string SamplePath => Path.Combine(RepoRoot(), "deploy", "sample", "acd.yaml");

    [Fact]
    public void Load_Sample_HasTheDocumentedContactCenter()
    {
        var config = ContactCenterConfigLoader.Load(SamplePath);

        Assert.Equal(["billing", "support", "claims", "general"], config.Routing.Queues.Select(q => q.Name));
        Assert.Equal("customer-service", Assert.Single(config.Numbers, n => n.Matches("100")).Ivr);
        Assert.Equal(["1001", "1002", "1003", "1004"], config.Agents.Select(a => a.Id));
        var skills = config.Routing.Agents.ToDictionary(a => a.Id, a => a.Skills);
        Assert.Equal(8, skills["1001"]["billing"]);
        Assert.Equal(5, skills["1001"]["general"]);
        Assert.Equal(9, skills["1002"]["support"]);
        Assert.Equal(7, skills["1003"]["claims"]);
        Assert.Equal(9, skills["1004"]["general"]);
        Assert.All(config.Agents, a => Assert.True(a.HasSamplePassword));
        Assert.Contains("supervisor", config.Agents.Single(a => a.Id == "1004").Roles);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Routing.Queues.Single(q => q.Name == "billing").Escalation[1].After);
        Assert.Equal(EscalationAction.Overflow, config.Routing.Queues.Single(q => q.Name == "billing").Escalation[3].Action);
    }

    [Fact]
    public void Load_ProductionExample_PasswordsFromEnvironmentAndNoSamples()
    {
        var path = Path.Combine(RepoRoot(), "deploy", "production", "acd.yaml");

        var config = ContactCenterConfigLoader.Load(path, v => v.StartsWith("ACD_AGENT_", StringComparison.Ordinal) ? "long-random-" + v : null);

        Assert.Equal(4, config.Agents.Count);
        Assert.All(config.Agents, a => Assert.False(a.HasSamplePassword));
        Assert.Equal(
            Convert.ToHexStringLower(MD5.HashData("1002:acd.example.com:long-random-ACD_AGENT_1002_PASSWORD"u8)),
            config.Agents.Single(a => a.Id == "1002").Ha1Md5);
    }

    [Fact]
    public void Load_Sample_KeepsOnlyHa1OfPasswords()
    {
        var config = ContactCenterConfigLoader.Load(SamplePath);

        var alice = config.Agents.Single(a => a.Id == "1001");
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData("1001:acd:demo1001"u8)), alice.Ha1Md5);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("1001:acd:demo1001"u8)), alice.Ha1Sha256);
        Assert.DoesNotContain("demo1001", alice.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(alice.Ha1Md5, alice.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyAndBadValues_ReportsEveryErrorWithLine()
    {
        const string yaml = """
            realm: acd
            skills: [billing]
            queues:
              billing:
                skills: { billing: 1 }
                ring_timout: 15s
                wrap_up: soon
            agents:
              "1001": { password: x, skills: { billing: 11 } }
              "1002": { password: y, skills: { sales: 5 } }
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => ContactCenterConfigLoader.Parse(new StringReader(yaml), "acd.yaml"));

        Assert.Contains(e.Errors, d => d is { Line: 6, Key: "queues.billing.ring_timout" } && d.Message.Contains("unknown key", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Line: 7, Key: "queues.billing.wrap_up" });
        Assert.Contains(e.Errors, d => d.Line == 9 && d.Message.Contains("outside 1-10", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d.Line == 10 && d.Message.Contains("unknown skill 'sales'", StringComparison.Ordinal));
        Assert.StartsWith("acd.yaml:6:", e.Errors.Single(d => d.Line == 6).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_QueueWithoutSkillsAndDuplicateExtension_AreErrors()
    {
        const string yaml = """
            skills: [billing]
            queues:
              empty: { strategy: longest-idle }
            agents:
              "1001": { password: a, skills: { billing: 5 } }
              "1002": { extension: "1001", password: b, skills: { billing: 5 } }
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => ContactCenterConfigLoader.Parse(new StringReader(yaml), "f.yaml"));

        Assert.Contains(e.Errors, d => d.Line == 3 && d.Message.Contains("at least one required skill", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d.Message.Contains("extension 1001 is used by two agents", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NumberPlan_PatternAndQueueTargets()
    {
        const string yaml = """
            skills: [billing]
            queues:
              billing: { skills: { billing: 1 } }
            numbers:
              - { number: "100", ivr: main }
              - { pattern: "^8\\d{3}$", queue: billing }
              - { pattern: "([", queue: nowhere }
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => ContactCenterConfigLoader.Parse(new StringReader(yaml), "f.yaml"));

        Assert.Contains(e.Errors, d => d is { Line: 7, Key: "numbers[2].pattern" });
        Assert.Contains(e.Errors, d => d.Key == "numbers[2].queue" && d.Message.Contains("unknown queue 'nowhere'", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_PasswordFromEnvironment_MissingVariableIsAnError()
    {
        const string yaml = """
            skills: [billing]
            queues: { billing: { skills: { billing: 1 } } }
            agents:
              "1001": { password_env: AGENT_1001_SECRET, skills: { billing: 5 } }
              "1002": { password_env: AGENT_1002_SECRET, skills: { billing: 5 } }
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => ContactCenterConfigLoader.Parse(
            new StringReader(yaml), "f.yaml", v => v == "AGENT_1001_SECRET" ? "s3cret-from-vault" : null));

        var error = Assert.Single(e.Errors);
        Assert.Equal(5, error.Line);
        Assert.Contains("AGENT_1002_SECRET is not set", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("20", 20)]
    [InlineData("20s", 20)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    [InlineData("250ms", 0.25)]
    public void TryParseDuration_ValidText_Seconds(string text, double seconds)
    {
        Assert.True(YamlNodeReader.TryParseDuration(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5d")]
    [InlineData("-3")]
    public void TryParseDuration_InvalidText_False(string text) => Assert.False(YamlNodeReader.TryParseDuration(text, out _));

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Acd.sln not found above " + AppContext.BaseDirectory);
    }
}
