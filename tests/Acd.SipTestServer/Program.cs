using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Acd.Calls.Registrar;
using Acd.Sip.Auth;
using Acd.Sip.Ua;
using Acd.Transport.Sip;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: Acd.SipTestServer --udp 127.0.0.1:5060 --tcp 127.0.0.1:5060 [--auto-answer] [--no-auth]
//        [--user 1001:secret]... [--realm acd] [--min-expires 60] [--domain 127.0.0.1]... [--md5-first|--md5-only]
//        [--media record:<dir>] [--media play:<wav>]  (media mode: answers every call with RTP, see MediaEndpoint)
// Prints "READY udp=<endpoint> tcp=<endpoint>" once listening; stops on SIGTERM/SIGINT or when stdin closes.
var udp = new List<string>();
var tcp = new List<string>();
var users = new List<(string User, string Password)>();
var domains = new List<string>();
var realm = "acd";
var autoAnswer = false;
var auth = true;
IReadOnlyList<DigestAlgorithm> algorithms = [DigestAlgorithm.Sha256, DigestAlgorithm.Md5];
uint minExpires = 60;
string? mediaDirectory = null;
string? mediaPrompt = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--udp": udp.Add(args[++i]); break;
        case "--tcp": tcp.Add(args[++i]); break;
        case "--auto-answer": autoAnswer = true; break;
        case "--no-auth": auth = false; break;
        case "--realm": realm = args[++i]; break;
        case "--min-expires": minExpires = uint.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--domain": domains.Add(args[++i]); break;
        case "--md5-first": algorithms = [DigestAlgorithm.Md5, DigestAlgorithm.Sha256]; break; // SIPp answers only the first challenge, and only MD5
        case "--md5-only": algorithms = [DigestAlgorithm.Md5]; break;
        case "--media" when i + 1 < args.Length && args[i + 1].StartsWith("record:", StringComparison.Ordinal): mediaDirectory = args[++i]["record:".Length..]; break;
        case "--media" when i + 1 < args.Length && args[i + 1].StartsWith("play:", StringComparison.Ordinal): mediaPrompt = args[++i]["play:".Length..]; break;
        case "--user":
            var pair = args[++i].Split(':', 2);
            users.Add((pair[0], pair[1]));
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

if (udp.Count == 0 && tcp.Count == 0)
{
    udp.Add("127.0.0.1:5060");
}

if (mediaPrompt is not null && mediaDirectory is null)
{
    Console.Error.WriteLine("--media play:<wav> needs --media record:<dir> for the recording of what comes back");
    return 2;
}

MediaEndpoint? media = null;
if (mediaDirectory is not null)
{
    (media, var mediaError) = MediaEndpoint.Create(mediaDirectory, mediaPrompt);
    if (media is null)
    {
        Console.Error.WriteLine(mediaError);
        return 2;
    }
}

var time = TimeProvider.System;
using var metrics = new SipSignallingMetrics();
var transport = new SipTransport(new SipTransportOptions { Udp = udp, Tcp = tcp }, time, NullLogger<SipTransport>.Instance);
var credentials = new InMemoryDigestCredentialStore();
foreach (var (user, password) in users)
{
    credentials.Set(DigestCredential.FromPassword(user, realm, password));
}

var authenticator = new SipDigestAuthenticator(
    new SipDigestOptions { Realm = realm, Algorithms = algorithms },
    new DigestNonceManager(RandomNumberGenerator.GetBytes(32), TimeSpan.FromMinutes(5), time),
    credentials,
    new SipAuthRateLimiter(new SipAuthRateLimitOptions(), time),
    metrics);
var registrar = new SipRegistrar(new SipRegistrarOptions { MinExpires = minExpires, DefaultExpires = Math.Max(3600, minExpires), Node = "test" }, new InMemoryRegistrarBindingStore(time), time);
var contact = (udp.Count > 0 ? udp[0] : tcp[0]).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
using var ua = new SipUserAgent(
    new SipUserAgentOptions { AutoAnswer = autoAnswer, AuthenticateRegister = auth, ContactAddress = contact, LocalDomains = domains },
    transport, time, NullLogger<SipUserAgent>.Instance, authenticator: authenticator, registrar: registrar, metrics: metrics);
transport.Start(new SipUserAgentHandler(ua));
Console.WriteLine($"READY udp={string.Join(',', transport.UdpEndPoints)} tcp={string.Join(',', transport.TcpEndPoints)}");

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
_ = Task.Run(async () =>
{
    // Without auto-answer, incoming calls ring and wait (CANCEL scenarios); in media mode they are answered with RTP.
    await foreach (var call in ua.IncomingCalls.ReadAllAsync(stop.Token))
    {
        if (media is not null)
        {
            _ = Task.Run(() => media.HandleAsync(call));
        }
        else
        {
            call.Ring();
        }
    }
});
_ = Task.Run(async () =>
{
    // Stdin closing (the test process died) stops the server too.
    using var stdin = Console.OpenStandardInput();
    var buffer = new byte[64];
    while (await stdin.ReadAsync(buffer) > 0)
    {
    }

    await stop.CancelAsync();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

await transport.DisposeAsync();
if (media is not null)
{
    await media.DisposeAsync();
}

return 0;
