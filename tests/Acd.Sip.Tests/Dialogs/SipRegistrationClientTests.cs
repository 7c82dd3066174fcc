using System.Text.RegularExpressions;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>The trunk REGISTER client against a scripted registrar on the loopback network (virtual time).</summary>
public sealed partial class SipRegistrationClientTests
{
    private const int ClientPort = 5070;
    private const int RegistrarPort = 5090;
    private const string Password = "pw-Secret-9";

    private readonly LoopbackSipNetwork _network = new();
    private readonly List<string> _registers = [];

    /// <summary>How the registrar answers each REGISTER (the request text in, the status line and extra headers out).</summary>
    private Func<string, (string Status, string Headers)> _answer;

    public SipRegistrationClientTests()
    {
        _answer = ChallengeThenOk(expires: 120);
        _network.AddResponder(RegistrarPort, request =>
        {
            if (!request.StartsWith("REGISTER ", StringComparison.Ordinal))
            {
                return [];
            }

            _registers.Add(request);
            var (status, headers) = _answer(request);
            return status.Length == 0 ? [] : [Response(request, status, headers)];
        });
    }

    private SipRegistrationClient Client(out SipUserAgent ua, TimeSpan? expiry = null)
    {
        ua = _network.AddAgent(ClientPort);
        return new SipRegistrationClient(ua, new SipRegistrationOptions
        {
            Name = "carrier",
            Registrar = $"sip:127.0.0.1:{RegistrarPort}",
            Destination = LoopbackSipNetwork.PeerOf(RegistrarPort),
            AddressOfRecord = "sip:acd@127.0.0.1",
            ContactAddress = $"127.0.0.1:{ClientPort}",
            Credentials = new SipDigestClient("acd", Password),
            Expiry = expiry ?? TimeSpan.FromMinutes(10),
        }, _network.Time, NullLogger.Instance);
    }

    [Fact]
    public void Start_RegistrarChallenges401_AnswersWithDigestAndIsRegistered()
    {
        using var client = Client(out var ua);
        using var _ = ua;

        client.Start();
        _network.Pump();

        Assert.Equal(SipRegistrationState.Registered, client.State);
        Assert.Equal(TimeSpan.FromSeconds(120), client.Granted);
        Assert.Equal(2, _registers.Count);
        Assert.DoesNotContain("Authorization", _registers[0], StringComparison.Ordinal);
        Assert.Matches("Authorization: Digest [^\r\n]*username=\"acd\"", _registers[1]);
        Assert.Contains("Expires: 600", _registers[1], StringComparison.Ordinal);
        Assert.DoesNotContain(Password, string.Concat(_registers), StringComparison.Ordinal);
        Assert.Equal(CallId(_registers[0]), CallId(_registers[1]));
        Assert.True(CSeq(_registers[1]) > CSeq(_registers[0]));
    }

    [Fact]
    public void Registered_BeforeGrantedExpiry_RefreshesOnTheSameCallId()
    {
        using var client = Client(out var ua);
        using var _ = ua;
        client.Start();
        _network.Pump();

        _network.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(2, _registers.Count);
        _network.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(4, _registers.Count);
        Assert.Equal(SipRegistrationState.Registered, client.State);
        Assert.All(_registers, r => Assert.Equal(CallId(_registers[0]), CallId(r)));
        Assert.Equal([1u, 2u, 3u, 4u], _registers.Select(CSeq));
    }

    [Fact]
    public void Start_RegistrarForbids_FailedAndRetriesWithDoublingBackOff()
    {
        _answer = _ => ("403 Forbidden", string.Empty);
        var states = new List<(SipRegistrationState, int)>();
        using var client = Client(out var ua);
        using var _ = ua;
        client.StateChanged += (s, status) => states.Add((s, status));

        client.Start();
        _network.Pump();
        Assert.Equal(SipRegistrationState.Failed, client.State);
        Assert.Equal(403, client.LastStatus);
        _network.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Single(_registers);
        _network.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(2, _registers.Count);
        _network.Advance(TimeSpan.FromSeconds(9.8));
        Assert.Equal(2, _registers.Count);
        _network.Advance(TimeSpan.FromSeconds(0.4));

        Assert.Equal(3, _registers.Count);
        Assert.Equal(3, client.Failures);
        Assert.Contains((SipRegistrationState.Failed, 403), states);
    }

    [Fact]
    public void Start_WrongPassword_ChallengedTwice_FailsWithoutLooping()
    {
        _answer = _ => ("401 Unauthorized", "WWW-Authenticate: Digest realm=\"trunk.test\", nonce=\"n1\", algorithm=MD5\r\n");
        using var client = Client(out var ua);
        using var _ = ua;

        client.Start();
        _network.Pump();

        Assert.Equal(2, _registers.Count);
        Assert.Equal(SipRegistrationState.Failed, client.State);
        Assert.Equal(401, client.LastStatus);
    }

    [Fact]
    public void Start_RegistrarSilent_TimesOutThenRetries()
    {
        _answer = _ => (string.Empty, string.Empty);
        using var client = Client(out var ua);
        using var _ = ua;

        client.Start();
        _network.Advance(TimeSpan.FromSeconds(33));

        Assert.Equal(SipRegistrationState.Failed, client.State);
        Assert.Equal(408, client.LastStatus);
        var sent = _registers.Count;
        _network.Advance(TimeSpan.FromSeconds(5.1));
        Assert.True(_registers.Count > sent);
    }

    [Fact]
    public void Start_IntervalTooBrief_RetriesWithMinExpires()
    {
        _answer = r => r.Contains("Expires: 60\r\n", StringComparison.Ordinal)
            ? ("423 Interval Too Brief", "Min-Expires: 300\r\n")
            : ("200 OK", "Contact: <sip:acd@127.0.0.1:5070>;expires=300\r\n");
        using var client = Client(out var ua, TimeSpan.FromSeconds(60));
        using var _ = ua;

        client.Start();
        _network.Pump();

        Assert.Equal(SipRegistrationState.Registered, client.State);
        Assert.Equal(TimeSpan.FromSeconds(300), client.Granted);
        Assert.Contains("Expires: 300", _registers[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnregisterAsync_Registered_SendsExpiresZeroAndStopsRefreshing()
    {
        using var client = Client(out var ua);
        using var _ = ua;
        client.Start();
        _network.Pump();

        var done = client.UnregisterAsync();
        _network.Pump();

        Assert.Equal(200, await done);
        Assert.Equal(SipRegistrationState.Unregistered, client.State);
        Assert.Contains("Expires: 0\r\n", _registers[^1], StringComparison.Ordinal);
        Assert.Contains("Authorization: Digest", _registers[^1], StringComparison.Ordinal);
        var sent = _registers.Count;
        _network.Advance(TimeSpan.FromSeconds(200));
        Assert.Equal(sent, _registers.Count);
    }

    /// <summary>A 401 to a REGISTER without credentials, 200 (granting <paramref name="expires"/>) to one with them.</summary>
    private static Func<string, (string, string)> ChallengeThenOk(int expires) => request =>
        request.Contains("\r\nAuthorization: Digest", StringComparison.Ordinal)
            ? ("200 OK", request.Contains("Expires: 0\r\n", StringComparison.Ordinal) ? string.Empty : $"Contact: <sip:acd@127.0.0.1:{ClientPort}>;expires={expires}\r\n")
            : ("401 Unauthorized", "WWW-Authenticate: Digest realm=\"trunk.test\", nonce=\"abc123\", algorithm=MD5, qop=\"auth\"\r\n");

    private static string Response(string request, string status, string headers)
    {
        string H(string name) => Regex.Match(request, "^" + name + ": *([^\r\n]*)", RegexOptions.Multiline).Groups[1].Value;
        var to = H("To");
        return $"SIP/2.0 {status}\r\nVia: {H("Via")}\r\nFrom: {H("From")}\r\nTo: {to}{(to.Contains(";tag=", StringComparison.Ordinal) ? string.Empty : ";tag=reg1")}\r\n"
            + $"Call-ID: {H("Call-ID")}\r\nCSeq: {H("CSeq")}\r\n{headers}Content-Length: 0\r\n\r\n";
    }

    private static string CallId(string request) => CallIdPattern().Match(request).Groups[1].Value;

    private static uint CSeq(string request) => uint.Parse(CSeqPattern().Match(request).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("^Call-ID: *([^\r\n]*)", RegexOptions.Multiline)]
    private static partial Regex CallIdPattern();

    [GeneratedRegex("^CSeq: *([0-9]+) REGISTER", RegexOptions.Multiline)]
    private static partial Regex CSeqPattern();
}
