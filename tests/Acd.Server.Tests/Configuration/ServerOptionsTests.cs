using System.Net;
using Acd.Server.Configuration;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Acd.Server.Tests.Configuration;

public sealed class ServerOptionsTests
{
    private static readonly string Home = ContactCenterConfigLoaderTests.RepoRoot();

    [Fact]
    public void Read_NoSettings_LoopbackDefaultsAndSample()
    {
        var options = ServerOptions.Read(Config(), Home);

        Assert.Equal(IPAddress.Loopback, options.SipBind);
        Assert.Equal(5060, options.SipPort);
        Assert.Equal(["udp", "tcp"], options.SipTransports);
        Assert.False(options.UsesRedis);
        Assert.Equal(Path.Combine(Home, "deploy", "sample", "acd.yaml"), options.ContactCenterFile);
        Assert.Equal(Path.Combine(Home, "ivr-scripts"), options.IvrScripts);
    }

    [Fact]
    public void Read_EveryBadSetting_ReportsEachKey()
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => ServerOptions.Read(Config(
            ("Sip:Bind", "localhost-ish"),
            ("Sip:Port", "70000"),
            ("Sip:Transports", "udp,sctp"),
            ("Media:RtpPorts", "30000-20000"),
            ("Acd:Config", "missing.yaml")), Home));

        Assert.Equal(["Acd:Config", "Media:RtpPorts", "Sip:Bind", "Sip:Port", "Sip:Transports"], e.Errors.Select(x => x.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CheckSamplePasswords_NonLoopbackWithSample_Refuses()
    {
        var sample = ContactCenterConfigLoader.Load(Path.Combine(Home, "deploy", "sample", "acd.yaml"));
        var loopback = ServerOptions.Read(Config(("Sip:Bind", "127.0.0.1")), Home);
        var everywhere = ServerOptions.Read(Config(("Sip:Bind", "0.0.0.0"), ("Sip:ContactAddress", "192.0.2.10:5060")), Home);
        var v6 = ServerOptions.Read(Config(("Sip:Bind", "::1")), Home);

        Assert.Empty(loopback.CheckSamplePasswords(sample));
        Assert.Empty(v6.CheckSamplePasswords(sample));
        var errors = everywhere.CheckSamplePasswords(sample);
        Assert.Equal(4, errors.Count);
        Assert.All(errors, x => Assert.Contains("sample password", x.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_AnyAddressWithoutContact_AsksForContactAddress()
    {
        var e = Assert.Throws<ConfigurationErrorsException>(() => ServerOptions.Read(Config(("Sip:Bind", "::")), Home));

        Assert.Equal("Sip:ContactAddress", Assert.Single(e.Errors).Key);
    }

    [Fact]
    public void Read_DigestAlgorithmsAndNonceKey_Parsed()
    {
        var options = ServerOptions.Read(Config(("Sip:DigestAlgorithms", "MD5, sha-256"), ("Sip:NonceKey", Convert.ToBase64String(new byte[24]))), Home);
        var bad = Assert.Throws<ConfigurationErrorsException>(() => ServerOptions.Read(Config(("Sip:DigestAlgorithms", "SHA-512"), ("Sip:NonceKey", "c2hvcnQ=")), Home));

        Assert.Equal([Acd.Sip.Auth.DigestAlgorithm.Md5, Acd.Sip.Auth.DigestAlgorithm.Sha256], options.SipDigestAlgorithms);
        Assert.Equal(24, options.SipNonceKey!.Length);
        Assert.Equal("127.0.0.1:5060", options.SipContactAddress);
        Assert.Equal(["Sip:DigestAlgorithms", "Sip:NonceKey"], bad.Errors.Select(x => x.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_HeartbeatTtl_SecondsOrTimeSpanWithinBounds()
    {
        var defaults = ServerOptions.Read(Config(), Home);
        var seconds = ServerOptions.Read(Config(("Acd:HeartbeatTtl", "2.5")), Home);
        var span = ServerOptions.Read(Config(("Acd:HeartbeatTtl", "00:01:00")), Home);
        var errors = new[] { "0.5", "601", "00:11:00", "soon" }.Select(v =>
            Assert.Throws<ConfigurationErrorsException>(() => ServerOptions.Read(Config(("Acd:HeartbeatTtl", v)), Home)));

        Assert.Equal(TimeSpan.FromSeconds(15), defaults.HeartbeatTtl);
        Assert.Equal(TimeSpan.FromSeconds(2.5), seconds.HeartbeatTtl);
        Assert.Equal(TimeSpan.FromMinutes(1), span.HeartbeatTtl);
        Assert.All(errors, e => Assert.Equal("Acd:HeartbeatTtl", Assert.Single(e.Errors).Key));
    }

    [Fact]
    public void FindHome_FromNestedFolder_FindsCheckout()
    {
        Assert.Equal(Home, ServerOptions.FindHome(Path.Combine(Home, "src", "Acd.Server")));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
