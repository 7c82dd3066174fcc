using Acd.Dialer.Campaigns;
using Acd.Server.Configuration;
using Acd.Server.Dialer;
using Xunit;

namespace Acd.Server.Tests.Dialer;

/// <summary>The dialer file (<c>Dialer:File</c>): read strictly, every error with its file, line and key.</summary>
public sealed class DialerConfigLoaderTests : IDisposable
{
    private const string Trunk = """
        trunks:
          - name: carrier
            host: 127.0.0.1
            port: 5070
            username: acd
            passwordEnv: TRUNK_PW
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("acd-dialer-config-").FullName;

    public DialerConfigLoaderTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "prompts"));
        File.WriteAllText(Path.Combine(_dir, "prompts", "goodbye.wav"), string.Empty);
        File.WriteAllText(Path.Combine(_dir, "leads.csv"), "id,phone\nL1,+12125550100\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_ValidFile_TrunkCampaignAndPasswordFromEnvironment()
    {
        var config = Load(Trunk + "\n" + Campaign());

        var trunk = Assert.Single(config.Trunks);
        Assert.Equal(("carrier", "127.0.0.1", 5070, "acd", "pw-from-env"), (trunk.Name, trunk.Host, trunk.Port, trunk.Username, trunk.Password));
        Assert.DoesNotContain("pw-from-env", trunk.ToString(), StringComparison.Ordinal);
        var campaign = Assert.Single(config.Campaigns);
        Assert.Equal(("reminders", DialMode.Progressive, "+12125550123", "support"), (campaign.Config.Id, campaign.Config.Mode, campaign.Config.CallerId, campaign.Config.Queue));
        Assert.Equal(Path.Combine(_dir, "leads.csv"), campaign.LeadsFile);
        Assert.Equal(Path.Combine(_dir, "prompts", "goodbye.wav"), campaign.Config.AbandonMessage);
        Assert.True(campaign.StartWithNode);
    }

    [Fact]
    public void Load_BadTrunk_EveryErrorWithFileLineAndKey()
    {
        const string trunks = """
            trunks:
              - name: carrier
                host: 127.0.0.1
                port: 70000
                username: acd
                passwordEnv: UNSET_PW
                gateway: yes
                maxChannels: lots
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => Load(trunks));

        var path = Path.Combine(_dir, "dialer.yaml");
        Assert.All(e.Errors, d => Assert.Equal(path, d.File));
        Assert.Contains(e.Errors, d => d is { Line: 4, Key: "trunks[0].port" });
        Assert.Contains(e.Errors, d => d is { Line: 6, Key: "trunks[0].passwordEnv" } && d.Message.Contains("UNSET_PW is not set", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Line: 7, Key: "trunks[0].gateway" });
        Assert.Contains(e.Errors, d => d is { Line: 8, Key: "trunks[0].maxChannels" });
        Assert.Contains($"{path}:4:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadCampaign_ErrorsPointAtTheCampaignOrItsKey()
    {
        var yaml = Trunk + "\n" + Campaign(mode: "turbo", trunks: "[carrier, nowhere]", extra: "    ringTimeout: 5s\n    colour: blue\n");

        var e = Assert.Throws<ConfigurationErrorsException>(() => Load(yaml));

        // trunks: lines 1-6; campaigns: line 7; the campaign entry starts at line 8.
        Assert.Contains(e.Errors, d => d is { Line: 9, Key: "campaigns[0].mode" } && d.Message.Contains("'turbo' is not one of", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Line: 8, Key: "campaigns[0].trunks" } && d.Message.Contains("unknown trunk 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Line: 8, Key: "campaigns[0].ringTimeout" } && d.Message.Contains("reminders", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Key: "campaigns[0].colour" } && d.Line > 8);
    }

    [Fact]
    public void Load_CampaignWithoutCallerId_RefusedNamingTheCampaignAndItsLine()
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => Load(Trunk + "\n" + Campaign(callerId: null)));

        var error = Assert.Single(e.Errors);
        Assert.Equal((8, "campaigns[0].callerId"), (error.Line, error.Key));
        Assert.Contains("cannot dial without a caller ID", error.Message, StringComparison.Ordinal);
        Assert.Contains("'reminders'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidCallerId_Refused()
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => Load(Trunk + "\n" + Campaign(callerId: "12345")));

        Assert.Contains(e.Errors, d => d is { Line: 8, Key: "campaigns[0].callerId" });
    }

    [Fact]
    public void Load_LeadsAndDoNotCallFilesMissing_FileNotFoundWithLine()
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => Load(Trunk + "\n" + Campaign(leads: "missing/leads.csv")));

        Assert.Contains(e.Errors, d => d is { Line: 8, Key: "campaigns[0].leads" } && d.Message.Contains(Path.Combine(_dir, "missing", "leads.csv"), StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NoFile_OneDiagnosticNamingTheSetting()
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => DialerConfigLoader.Load(Path.Combine(_dir, "absent.yaml"), _dir));

        Assert.Equal("Dialer:File", Assert.Single(e.Errors).Key);
    }

    private static string Campaign(string mode = "progressive", string? callerId = "+12125550123", string trunks = "[carrier]", string leads = "leads.csv", string extra = "") =>
        "campaigns:\n"
        + "  - id: reminders\n"
        + $"    mode: {mode}\n"
        + (callerId is null ? "    queue: support\n" : $"    callerId: \"{callerId}\"\n    queue: support\n")
        + $"    trunks: {trunks}\n"
        + $"    leads: {leads}\n"
        + "    abandonMessage: goodbye.wav\n"
        + "    start: true\n"
        + extra;

    private DialerConfig Load(string yaml)
    {
        var path = Path.Combine(_dir, "dialer.yaml");
        File.WriteAllText(path, yaml);
        return DialerConfigLoader.Load(path, Path.Combine(_dir, "prompts"), name => name == "TRUNK_PW" ? "pw-from-env" : null);
    }
}
