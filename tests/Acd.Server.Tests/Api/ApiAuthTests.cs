using System.Net;
using Acd.Server.Api;
using Acd.Server.Configuration;
using Xunit;

namespace Acd.Server.Tests.Api;

/// <summary>Token checks and the API file.</summary>
public sealed class ApiAuthTests
{
    private static readonly ApiAuthenticator Auth = new(ApiTestHost.Config);

    [Theory]
    [InlineData(null, ApiAuthFailure.Missing)]
    [InlineData("", ApiAuthFailure.Missing)]
    [InlineData("Bearer ", ApiAuthFailure.Missing)]
    [InlineData("Basic dXNlcjpwYXNz", ApiAuthFailure.Missing)]
    [InlineData("Bearer wrong-token-wrong-token", ApiAuthFailure.Invalid)]
    [InlineData("Bearer " + ApiTestHost.AdminToken + "x", ApiAuthFailure.Invalid)]
    [InlineData("Bearer " + ApiTestHost.AdminToken, ApiAuthFailure.None)]
    [InlineData("bearer " + ApiTestHost.AgentToken, ApiAuthFailure.None)]
    public void Authenticate_Header_Outcome(string? header, ApiAuthFailure expected)
    {
        Assert.Equal(expected, Auth.Authenticate(header, IPAddress.Loopback, out var principal));
        Assert.Equal(expected == ApiAuthFailure.None, principal is not null);
    }

    [Fact]
    public void Authenticate_AgentToken_ActsOnItsOwnAgentOnly()
    {
        Auth.Authenticate("Bearer " + ApiTestHost.AgentToken, IPAddress.Loopback, out var agent);
        Auth.Authenticate("Bearer " + ApiTestHost.SupervisorToken, IPAddress.Loopback, out var supervisor);

        Assert.Equal(new ApiPrincipal("desk-1002", ApiRole.Agent, "1002"), agent);
        Assert.True(agent!.MayActOn("1002"));
        Assert.False(agent.MayActOn("1001"));
        Assert.True(supervisor!.MayActOn("1001"));
    }

    [Theory]
    [InlineData("127.0.0.1", ApiAuthFailure.None)]
    [InlineData("::1", ApiAuthFailure.None)]
    [InlineData("192.0.2.10", ApiAuthFailure.NotLoopback)]
    public void Authenticate_PlaintextSampleToken_LoopbackClientsOnly(string remote, ApiAuthFailure expected)
    {
        Assert.Equal(expected, Auth.Authenticate("Bearer " + ApiTestHost.SampleToken, IPAddress.Parse(remote), out _));
        Assert.Equal(ApiAuthFailure.None, Auth.Authenticate("Bearer " + ApiTestHost.AdminToken, IPAddress.Parse(remote), out _));
    }

    [Fact]
    public void Load_SampleFile_PlaintextTokensAreLoopbackOnly()
    {
        var config = ApiConfigLoader.Load(Path.Combine(Acd.Testing.Server.AcdServerProcess.RepositoryRoot(), "deploy", "sample", "api.yaml"));

        Assert.NotEmpty(config.Tokens);
        Assert.All(config.Tokens, t => Assert.True(t.LoopbackOnly));
        Assert.Contains(config.Tokens, t => t.Role == ApiRole.Agent && t.Agent == "1002");
        Assert.Empty(config.Webhooks);
    }

    [Fact]
    public void Load_ProductionFile_HashesFromEnvironment()
    {
        var config = ApiConfigLoader.Load(Path.Combine(Acd.Testing.Server.AcdServerProcess.RepositoryRoot(), "deploy", "production", "api.yaml"),
            name => name.EndsWith("_SHA256", StringComparison.Ordinal) ? ApiConfigLoader.HashHex("token of " + name) : "webhook-secret");

        Assert.All(config.Tokens, t => Assert.False(t.LoopbackOnly));
        var webhook = Assert.Single(config.Webhooks);
        Assert.Equal(WebhookEvents.CallRecord | WebhookEvents.AgentState, webhook.Events);
        Assert.NotNull(webhook.Secret);
        Assert.DoesNotContain("webhook-secret", webhook.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryError_ReportedWithLineAndKey()
    {
        const string Yaml = """
            tokens:
              a: { token: short, role: agent }
              b: { sha256: abc, role: boss }
              c: { role: admin }
              d: { sha256_env: NOT_SET_ANYWHERE, role: admin }
            webhooks:
              - url: ftp://example.com/x
                events: [call-record, coffee]
              - events: []
                initial_backoff: 0s
            extra: 1
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => ApiConfigLoader.Parse(new StringReader(Yaml), "api.yaml", _ => null));

        var text = string.Join('\n', e.Errors.Select(x => x.ToString()));
        Assert.Contains("api.yaml:2:", text, StringComparison.Ordinal);
        Assert.Contains("tokens.a.token: a token needs at least 16 characters", text, StringComparison.Ordinal);
        Assert.Contains("tokens.a.agent: an agent token names its agent", text, StringComparison.Ordinal);
        Assert.Contains("tokens.b.sha256: expected 64 hex digits", text, StringComparison.Ordinal);
        Assert.Contains("tokens.b.role: unknown role 'boss'", text, StringComparison.Ordinal);
        Assert.Contains("tokens.c: give sha256", text, StringComparison.Ordinal);
        Assert.Contains("tokens.d.sha256_env: environment variable NOT_SET_ANYWHERE is not set", text, StringComparison.Ordinal);
        Assert.Contains("webhooks[0].url: 'ftp://example.com/x' is not an http(s) URL", text, StringComparison.Ordinal);
        Assert.Contains("webhooks[0].events: unknown event 'coffee'", text, StringComparison.Ordinal);
        Assert.Contains("webhooks[1].url: url is required", text, StringComparison.Ordinal);
        Assert.Contains("webhooks[1].events: name at least one event", text, StringComparison.Ordinal);
        Assert.Contains("webhooks[1].initial_backoff: must be greater than zero", text, StringComparison.Ordinal);
        Assert.Contains("extra: unknown key 'extra'", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameTokenTwice_Refused()
    {
        var hash = ApiConfigLoader.HashHex("the-same-token-0123456789");
        var yaml = $"tokens:\n  a: {{ sha256: {hash}, role: admin }}\n  b: {{ token: the-same-token-0123456789, role: admin }}\n";

        var e = Assert.Throws<ConfigurationErrorsException>(() => ApiConfigLoader.Parse(new StringReader(yaml), "api.yaml"));

        Assert.Contains(e.Errors, x => x.Message == "same token as 'a'");
    }

    [Fact]
    public void Token_ToString_HasNoHash()
    {
        var token = ApiTestHost.Config.Tokens[0];

        Assert.DoesNotContain(Convert.ToHexString(token.Sha256), token.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
