using System.Net.Sockets;
using System.Text;
using Acd.Sip.Auth;
using Acd.Testing.Sip;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit;

namespace Acd.Integration.Tests.Sip;

/// <summary>
/// RFC 4475 semantic torture messages and malformed input sent over real UDP/TCP sockets to the SIP stack:
/// each gets the status a UAS must give, and bad input never stops the server.
/// </summary>
public sealed class SipWireBehaviourTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>Adds ";rport" to the top Via so the response comes back to our socket (RFC 3581), not to the sent-by host.</summary>
    private static byte[] WithRport(byte[] message)
    {
        var text = Encoding.Latin1.GetString(message);
        var via = text.IndexOf("\nVia:", StringComparison.OrdinalIgnoreCase);
        var end = text.IndexOf("\r\n", via + 1, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text.Insert(end, ";rport"));
    }

    public static TheoryData<string, int> SemanticCases => new()
    {
        { "badbranch", 400 },
        { "insuf", 400 },
        { "unkscm", 416 },
        { "novelsc", 416 },
        { "unksm2", 400 },
        { "bext01", 420 },
        { "invut", 415 },
        { "regaut01", 200 },
        { "multi01", 400 },
        { "mcl01", 400 },
        { "zeromf", 200 },
        { "cparam01", 200 },
        { "cparam02", 200 },
        { "regescrt", 200 },
        { "sdp01", 406 },
        { "inv2543", 200 },
    };

    [Theory]
    [MemberData(nameof(SemanticCases))]
    public async Task SemanticTorture_OverUdp_ExpectedStatus(string name, int expected)
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(WithRport(TortureCorpus.Load("semantic/" + name)));
        var response = await client.ReceiveFinalAsync(Wait);
        Assert.NotNull(response);
        Assert.Equal(expected, UdpSipClient.StatusOf(response));
        if (expected == 420)
        {
            Assert.Contains("Unsupported: nothingSupportsThis, nothingSupportsThisEither", response, StringComparison.Ordinal);
        }

        if (expected == 415)
        {
            Assert.Contains("\r\nAccept: ", response, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SemanticTorture_RegisterWithUnknownAuthScheme_ChallengedWithDigest()
    {
        await using var stack = InProcessSipStack.Start(authenticate: true);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(WithRport(TortureCorpus.Load("semantic/regaut01")));
        var response = await client.ReceiveFinalAsync(Wait);
        Assert.Equal(401, UdpSipClient.StatusOf(response!));
        Assert.Contains("WWW-Authenticate: Digest", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SemanticTorture_BroadcastViaResponse_Discarded()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(TortureCorpus.Load("semantic/bcast"));
        Assert.Null(await client.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task MaxForwardsZero_ForeignDomain_483()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false, domains: ["acd.example"]);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(WithRport(TortureCorpus.Load("semantic/zeromf")));
        Assert.Equal(483, UdpSipClient.StatusOf((await client.ReceiveFinalAsync(Wait))!));
    }

    [Fact]
    public async Task UnknownMethod_501WithAllow()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Request("FOO", client.Port, "z9hG4bK-foo"));
        var response = await client.ReceiveFinalAsync(Wait);
        Assert.Equal(501, UdpSipClient.StatusOf(response!));
        Assert.Contains("\r\nAllow: ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_OutOfDialog_405WithAllow()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Request("SUBSCRIBE", client.Port, "z9hG4bK-sub"));
        var response = await client.ReceiveFinalAsync(Wait);
        Assert.Equal(405, UdpSipClient.StatusOf(response!));
        Assert.Contains("\r\nAllow: INVITE", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bye_UnknownDialog_481()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Request("BYE", client.Port, "z9hG4bK-bye", toTag: ";tag=nobody"));
        Assert.Equal(481, UdpSipClient.StatusOf((await client.ReceiveFinalAsync(Wait))!));
    }

    [Fact]
    public async Task WrongVersion_505()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Request("OPTIONS", client.Port, "z9hG4bK-v", version: "SIP/7.0"));
        Assert.Equal(505, UdpSipClient.StatusOf((await client.ReceiveFinalAsync(Wait))!));
    }

    [Fact]
    public async Task MergedRequest_SameCallIdCSeqOtherBranch_482()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Request("OPTIONS", client.Port, "z9hG4bK-first"));
        Assert.Equal(200, UdpSipClient.StatusOf((await client.ReceiveFinalAsync(Wait))!));
        await client.SendAsync(Request("OPTIONS", client.Port, "z9hG4bK-second"));
        Assert.Equal(482, UdpSipClient.StatusOf((await client.ReceiveFinalAsync(Wait))!));
    }

    [Fact]
    public async Task MalformedDatagrams_CountedAndNextRequestAnswered()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var parseErrors = new MetricCollector<long>(stack.Metrics.Meter, "acd_sip_parse_errors_total");
        using var client = new UdpSipClient(stack.UdpEndPoint);
        var random = new Random(4475);
        var garbage = new List<byte[]> { "\0\0\0"u8.ToArray(), "INVITE\r\n\r\n"u8.ToArray(), "SIP/2.0 999\r\n"u8.ToArray() };
        foreach (var name in TortureCorpus.Cases("invalid").Take(10))
        {
            garbage.Add(TortureCorpus.Load(name));
        }

        for (var i = 0; i < 20; i++)
        {
            var bytes = new byte[random.Next(1, 1400)];
            random.NextBytes(bytes);
            garbage.Add(bytes);
        }

        foreach (var bytes in garbage)
        {
            await client.SendAsync(bytes);
        }

        await client.SendAsync(Request("OPTIONS", client.Port, "z9hG4bK-after"));
        string? ok = null;
        for (var i = 0; i < 40 && ok is null; i++)
        {
            var text = await client.ReceiveAsync(Wait);
            Assert.NotNull(text);
            if (text.Contains("z9hG4bK-after", StringComparison.Ordinal))
            {
                ok = text;
            }
        }

        Assert.Equal(200, UdpSipClient.StatusOf(ok!));
        Assert.True(parseErrors.GetMeasurementSnapshot().EvaluateAsCounter() >= 20);
    }

    [Fact]
    public async Task TcpGarbage_ConnectionClosedServerStillAnswers()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using (var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await tcp.ConnectAsync(stack.TcpEndPoint);
            await tcp.SendAsync("GARBAGE GARBAGE\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), SocketFlags.None);
            var buffer = new byte[1024];
            using var cts = new CancellationTokenSource(Wait);
            var total = 0;
            int n;
            while ((n = await tcp.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                total += n;
            }

            Assert.Equal(0, n);
        }

        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Request("OPTIONS", client.Port, "z9hG4bK-tcp-after"));
        Assert.Equal(200, UdpSipClient.StatusOf((await client.ReceiveFinalAsync(Wait))!));
    }

    [Fact]
    public async Task TcpStalledHalfMessage_Closed()
    {
        await using var stack = InProcessSipStack.Start(authenticate: false);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(stack.TcpEndPoint);
        await tcp.SendAsync("OPTIONS sip:acd@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP"u8.ToArray(), SocketFlags.None);
        var buffer = new byte[64];
        using var cts = new CancellationTokenSource(Wait);
        Assert.Equal(0, await tcp.ReceiveAsync(buffer, SocketFlags.None, cts.Token));
    }

    [Fact]
    public async Task Register_Sha256DigestClient_401Then200()
    {
        await using var stack = InProcessSipStack.Start(authenticate: true);
        using var client = new UdpSipClient(stack.UdpEndPoint);
        await client.SendAsync(Register(client.Port, cseq: 1, authorization: null));
        var challenge = await client.ReceiveFinalAsync(Wait);
        Assert.Equal(401, UdpSipClient.StatusOf(challenge!));
        var challenges = challenge!.Split("\r\n").Where(l => l.StartsWith("WWW-Authenticate: ", StringComparison.Ordinal)).Select(l => l["WWW-Authenticate: ".Length..]).ToList();
        Assert.Equal(2, challenges.Count);
        var digest = new SipDigestClient("1001", "s3cret");
        Assert.True(digest.TryAnswer(challenges, "REGISTER", "sip:127.0.0.1", out var authorization));
        Assert.Contains("algorithm=SHA-256", authorization, StringComparison.Ordinal);
        await client.SendAsync(Register(client.Port, cseq: 2, authorization));
        var ok = await client.ReceiveFinalAsync(Wait);
        Assert.Equal(200, UdpSipClient.StatusOf(ok!));
        Assert.Single(await stack.Registrar.LookupAsync("sip:1001@127.0.0.1"));
    }

    private static string Register(int port, int cseq, string? authorization) =>
        "REGISTER sip:127.0.0.1 SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-reg{cseq};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:1001@127.0.0.1>;tag=r1\r\n" +
        "To: <sip:1001@127.0.0.1>\r\n" +
        "Call-ID: sha256-register@127.0.0.1\r\n" +
        $"CSeq: {cseq} REGISTER\r\n" +
        $"Contact: <sip:1001@127.0.0.1:{port}>\r\n" +
        (authorization is null ? string.Empty : $"Authorization: {authorization}\r\n") +
        "Content-Length: 0\r\n\r\n";

    private static string Request(string method, int port, string branch, string toTag = "", string version = "SIP/2.0") =>
        $"{method} sip:acd@127.0.0.1 {version}\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:tester@127.0.0.1>;tag=t1\r\n" +
        $"To: <sip:acd@127.0.0.1>{toTag}\r\n" +
        "Call-ID: wire-" + method + "@127.0.0.1\r\n" +
        $"CSeq: 1 {method}\r\n" +
        "Content-Length: 0\r\n\r\n";
}
