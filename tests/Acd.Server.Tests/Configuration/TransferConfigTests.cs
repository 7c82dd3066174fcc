using Acd.Server.Configuration;
using Xunit;

namespace Acd.Server.Tests.Configuration;

/// <summary>The contact-center file's <c>transfer</c> policy: no external numbers by default, prefixes checked with their line.</summary>
public sealed class TransferConfigTests
{
    // Transfer keys only: the policy needs no queue or agent (the loader accepts a file without them).
    private const string Base = "realm: acd\n";

    [Fact]
    public void Parse_NoTransferSection_NoExternalNumberAllowed() =>
        Assert.False(Parse(string.Empty).Transfer.AllowsExternal("+18005550100"));

    [Fact]
    public void Parse_Prefixes_AllowOnlyMatchingNumbers()
    {
        var policy = Parse("""transfer: { external_prefixes: ["+1800", "+44"] }""").Transfer;

        Assert.Equal(["+1800", "+44"], policy.ExternalPrefixes);
        Assert.True(policy.AllowsExternal("+18005550100"));
        Assert.True(policy.AllowsExternal("+442071234567"));
        Assert.False(policy.AllowsExternal("+15550001111"));
    }

    [Fact]
    public void Parse_BadPrefixesAndKeys_EveryErrorWithItsLine()
    {
        const string transfer = """
            transfer:
              external_prefixes: ["1800", "+1-800"]
              internal: yes
            """;

        var e = Assert.Throws<ConfigurationErrorsException>(() => Parse(transfer));

        Assert.Contains(e.Errors, d => d is { Line: 3, Key: "transfer.external_prefixes[0]" } && d.Message.Contains("not an E.164 prefix", StringComparison.Ordinal));
        Assert.Contains(e.Errors, d => d is { Line: 3, Key: "transfer.external_prefixes[1]" });
        Assert.Contains(e.Errors, d => d is { Line: 4, Key: "transfer.internal" } && d.Message.Contains("unknown key", StringComparison.Ordinal));
    }

    private static ContactCenterConfig Parse(string extra) => ContactCenterConfigLoader.Parse(new StringReader(Base + extra), "acd.yaml", _ => null);
}
