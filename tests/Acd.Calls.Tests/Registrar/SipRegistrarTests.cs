using System.Net;
using System.Text;
using Acd.Calls.Registrar;
using Acd.Sip;
using Acd.Sip.Transactions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Calls.Tests.Registrar;

public sealed class SipRegistrarTests
{
    private static readonly SipPeer Source = new(new IPEndPoint(IPAddress.Loopback, 5070), SipTransportProtocol.Udp);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryRegistrarBindingStore _store;
    private readonly SipRegistrar _registrar;

    public SipRegistrarTests()
    {
        _store = new InMemoryRegistrarBindingStore(_time);
        _registrar = new SipRegistrar(new SipRegistrarOptions { Node = "n1" }, _store, _time);
    }

    private static SipMessage Register(string contacts, string? expires = null, uint cseq = 1, string callId = "reg-1")
    {
        var text = "REGISTER sip:acd.example SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r" + cseq + "\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: <sip:1001@acd.example>;tag=f1\r\n" +
            "To: <sip:1001@ACD.example>\r\n" +
            "Call-ID: " + callId + "\r\n" +
            "CSeq: " + cseq + " REGISTER\r\n" +
            (contacts.Length > 0 ? "Contact: " + contacts + "\r\n" : string.Empty) +
            (expires is null ? string.Empty : "Expires: " + expires + "\r\n") +
            "Content-Length: 0\r\n\r\n";
        Assert.True(SipMessageParser.TryParse(Encoding.ASCII.GetBytes(text), out var message, out var error), error.ToString());
        return message!;
    }

    [Fact]
    public async Task RegisterAsync_TwoContacts_BothBoundWithExpires()
    {
        var result = await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1:5070>;expires=120, <sip:1001@10.0.0.2>;q=0.5"), Source, "1001");
        Assert.Equal(200, result.StatusCode);
        var bindings = await _registrar.LookupAsync("sip:1001@acd.example");
        Assert.Equal(2, bindings.Count);
        Assert.Equal("sip:1001@10.0.0.1:5070", bindings[0].ContactUri);
        Assert.Equal(0.5, bindings[1].Q);
        Assert.Contains(result.Headers, h => h.Name == "Contact" && h.Value == "<sip:1001@10.0.0.1:5070>;expires=120");
        Assert.Contains(result.Headers, h => h.Name == "Contact" && h.Value == "<sip:1001@10.0.0.2>;expires=3600");
        Assert.Equal("127.0.0.1:5070", bindings[0].Source);
    }

    [Fact]
    public async Task RegisterAsync_ExpiresHeader_AppliesToContactsWithoutParameter()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", expires: "300"), Source, "1001");
        var binding = Assert.Single(await _registrar.LookupAsync("sip:1001@acd.example"));
        Assert.Equal(_time.GetUtcNow().AddSeconds(300), binding.Expires);
    }

    [Fact]
    public async Task RegisterAsync_BelowMinExpires_423WithMinExpires()
    {
        var result = await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=10"), Source, "1001");
        Assert.Equal(423, result.StatusCode);
        Assert.Contains(result.Headers, h => h.Name == "Min-Expires" && h.Value == "60");
        Assert.Empty(await _registrar.LookupAsync("sip:1001@acd.example"));
    }

    [Fact]
    public async Task RegisterAsync_OverMaxExpires_Shortened()
    {
        var result = await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=999999"), Source, "1001");
        Assert.Contains(result.Headers, h => h.Value == "<sip:1001@10.0.0.1>;expires=7200");
    }

    [Fact]
    public async Task LookupAsync_AfterExpiry_BindingGone()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=60"), Source, "1001");
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Single(await _registrar.LookupAsync("sip:1001@acd.example"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await _registrar.LookupAsync("sip:1001@acd.example"));
        Assert.Equal(1, await _store.PurgeExpiredAsync());
    }

    [Fact]
    public async Task RegisterAsync_Refresh_ExtendsExpiry()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=60", cseq: 1), Source, "1001");
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(200, (await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=60", cseq: 2), Source, "1001")).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.Single(await _registrar.LookupAsync("sip:1001@acd.example"));
    }

    [Fact]
    public async Task RegisterAsync_SameCallIdLowerCSeq_500OutOfOrder()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 5), Source, "1001");
        var result = await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=0", cseq: 4), Source, "1001");
        Assert.Equal(500, result.StatusCode);
        Assert.Single(await _registrar.LookupAsync("sip:1001@acd.example"));
    }

    [Fact]
    public async Task RegisterAsync_ExpiresZero_RemovesOneContact()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>, <sip:1001@10.0.0.2>", cseq: 1), Source, "1001");
        var result = await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=0", cseq: 2), Source, "1001");
        Assert.Equal(200, result.StatusCode);
        Assert.Equal("sip:1001@10.0.0.2", Assert.Single(await _registrar.LookupAsync("sip:1001@acd.example")).ContactUri);
    }

    [Fact]
    public async Task RegisterAsync_WildcardWithExpiresZero_RemovesAll()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>, <sip:1001@10.0.0.2>", cseq: 1), Source, "1001");
        var result = await _registrar.RegisterAsync(Register("*", expires: "0", cseq: 2), Source, "1001");
        Assert.Equal(200, result.StatusCode);
        Assert.Empty(await _registrar.LookupAsync("sip:1001@acd.example"));
    }

    [Theory]
    [InlineData("*", null)]
    [InlineData("*", "60")]
    [InlineData("*, <sip:1001@10.0.0.1>", "0")]
    public async Task RegisterAsync_BadWildcard_400(string contacts, string? expires)
    {
        var result = await _registrar.RegisterAsync(Register(contacts, expires), Source, "1001");
        Assert.Equal(400, result.StatusCode);
    }

    [Fact]
    public async Task RegisterAsync_NoContact_ListsCurrentBindings()
    {
        await _registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 1), Source, "1001");
        var result = await _registrar.RegisterAsync(Register(string.Empty, cseq: 2), Source, "1001");
        Assert.Equal(200, result.StatusCode);
        Assert.Contains(result.Headers, h => h.Name == "Contact" && h.Value.StartsWith("<sip:1001@10.0.0.1>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RegisterAsync_ContactParameterWithoutBrackets_KeptAsContactParam()
    {
        // RFC 4475 cparam01: "Contact: sip:+19725552222@gw1.example.net;unknownparam" -> unknownparam is a contact-param.
        var result = await _registrar.RegisterAsync(Register("sip:+19725552222@gw1.example.net;unknownparam"), Source, "1001");
        Assert.Equal(200, result.StatusCode);
        Assert.Contains(result.Headers, h => h.Value == "<sip:+19725552222@gw1.example.net>;unknownparam;expires=3600");
    }

    [Fact]
    public async Task RegisterAsync_UrlParameterInBrackets_KeptInUri()
    {
        // RFC 4475 cparam02: the parameter is a url-parameter of the binding.
        await _registrar.RegisterAsync(Register("<sip:+19725552222@gw1.example.net;unknownparam>"), Source, "1001");
        var binding = Assert.Single(await _registrar.LookupAsync("sip:1001@acd.example"));
        Assert.Equal("sip:+19725552222@gw1.example.net;unknownparam", binding.ContactUri);
    }

    [Fact]
    public async Task RegisterAsync_TooManyContacts_403()
    {
        var registrar = new SipRegistrar(new SipRegistrarOptions { MaxContactsPerAor = 1 }, _store, _time);
        Assert.Equal(200, (await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 1), Source, "1001")).StatusCode);
        Assert.Equal(403, (await registrar.RegisterAsync(Register("<sip:1001@10.0.0.2>", cseq: 2), Source, "1001")).StatusCode);
    }

    [Fact]
    public async Task RegisterAsync_Observer_ToldOfEveryBindingChangeWithCounts()
    {
        var observer = new RecordingObserver();
        var registrar = new SipRegistrar(new SipRegistrarOptions { Node = "n1" }, _store, _time, observer);

        await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 1), Source, "1001");
        await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 2), Source, "1001");
        await registrar.RegisterAsync(Register("<sip:1001@10.0.0.2>", cseq: 3), Source, "1001");
        await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=0", cseq: 4), Source, "1001");
        await registrar.RegisterAsync(Register("*", expires: "0", cseq: 5), Source, "1001");

        Assert.Equal(["sip:1001@acd.example 0->1", "sip:1001@acd.example 1->1", "sip:1001@acd.example 1->2",
            "sip:1001@acd.example 2->1", "sip:1001@acd.example 1->0"], observer.Changes);
    }

    [Fact]
    public async Task RegisterAsync_QueryOrRefused_ObserverNotTold()
    {
        var observer = new RecordingObserver();
        var registrar = new SipRegistrar(new SipRegistrarOptions { Node = "n1" }, _store, _time, observer);
        await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 5), Source, "1001");
        observer.Changes.Clear();

        Assert.Equal(200, (await registrar.RegisterAsync(Register(string.Empty, cseq: 6), Source, "1001")).StatusCode);
        Assert.Equal(423, (await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>;expires=10", cseq: 7), Source, "1001")).StatusCode);
        Assert.Equal(500, (await registrar.RegisterAsync(Register("<sip:1001@10.0.0.1>", cseq: 4), Source, "1001")).StatusCode);

        Assert.Empty(observer.Changes);
    }

    private sealed class RecordingObserver : IRegistrationObserver
    {
        public List<string> Changes { get; } = [];

        public void BindingsChanged(string addressOfRecord, int previousContacts, int liveContacts) =>
            Changes.Add($"{addressOfRecord} {previousContacts}->{liveContacts}");
    }

    [Fact]
    public void Validate_BadOptions_ReturnsEveryError()
    {
        var errors = new SipRegistrarOptions { MinExpires = 0, MaxContactsPerAor = 0, Node = " " }.Validate();
        Assert.Contains(errors, e => e.StartsWith("MinExpires", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("MaxContactsPerAor", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Node", StringComparison.Ordinal));
    }
}
