using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Acd.Media.Codecs;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using Acd.Testing.Sipp;
using Acd.Transport.Sip;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Supervisor listen / whisper / barge on the real server, three parties on loopback: the caller (dials 200, a number
/// routed straight to queue support), agent 1002 (registered by SIPp, then its phone is our own SIP user agent on the
/// registered port) and supervisor 1004 (dials *901002, digest-authenticated). Each party's RTP is a socket in this
/// process sending its own tone (caller 500 Hz, agent 1100 Hz, supervisor 2000 Hz) and measuring the tones it receives
/// per 20 ms frame (Goertzel), so what each one hears is checked in every mode. Modes switch by the supervisor's DTMF:
/// 2 as RFC 4733 events, 3 as SIP INFO.
/// </summary>
public sealed class SupervisionTests
{
    private const double CallerHz = 500;
    private const double AgentHz = 1100;
    private const double SupervisorHz = 2000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Supervise_90ThenDtmf_ListenWhisperBargeEachPartyHearsWhatItShould()
    {
        await using var harness = await InboundCallHarness.StartAsync(c => c.Replace("numbers:\n", "numbers:\n  - number: \"200\"\n    queue: support\n", StringComparison.Ordinal));
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
        await using var phones = LoopbackPhones.Start(agentPort);
        var server = new SipPeer(new IPEndPoint(IPAddress.Loopback, harness.Server.SipPort), SipTransportProtocol.Udp);
        await using var caller = new RtpParty(CallerHz);
        await using var agent = new RtpParty(AgentHz);
        await using var supervisor = new RtpParty(SupervisorHz);

        // The caller dials; the agent's phone rings and answers; caller and agent hear each other.
        var callerCall = phones.UserAgent.Originate(new SipOriginateRequest
        {
            Target = $"sip:200@{harness.Server.SipTarget}",
            Destination = server,
            From = $"sip:+15551234567@127.0.0.1:{agentPort}",
            Sdp = caller.Sdp(),
        });
        caller.SetRemote(await AnsweredAsync(callerCall));
        using var ringing = new CancellationTokenSource(Wait);
        var agentCall = await phones.UserAgent.IncomingCalls.ReadAsync(ringing.Token);
        agent.SetRemote(agentCall.RemoteSdp);
        Assert.True(agentCall.Answer(agent.Sdp()));
        await HearsAsync(caller, [AgentHz], [SupervisorHz], harness);
        await HearsAsync(agent, [CallerHz], [SupervisorHz], harness);

        // The supervisor dials *90 + the agent's extension: listen.
        var supervisorCall = phones.UserAgent.Originate(new SipOriginateRequest
        {
            Target = $"sip:*901002@{harness.Server.SipTarget}",
            Destination = server,
            From = "sip:1004@127.0.0.1",
            Sdp = supervisor.Sdp(),
            Credentials = new SipDigestClient("1004", "demo1004"),
        });
        supervisor.SetRemote(await AnsweredAsync(supervisorCall));
        await HearsAsync(supervisor, [CallerHz, AgentHz], [], harness);
        await HearsAsync(caller, [AgentHz], [SupervisorHz], harness);
        await HearsAsync(agent, [CallerHz], [SupervisorHz], harness);

        // 2 (RFC 4733): whisper, the agent hears the supervisor, the caller does not.
        await supervisor.SendDigitAsync(2);
        await HearsAsync(agent, [CallerHz, SupervisorHz], [], harness);
        await HearsAsync(caller, [AgentHz], [SupervisorHz], harness);
        await HearsAsync(supervisor, [CallerHz, AgentHz], [], harness);

        // 3 (SIP INFO): barge, everybody hears everybody.
        Assert.Equal(200, await supervisorCall.SendRequestAsync("INFO", "application/dtmf-relay", Encoding.ASCII.GetBytes("Signal=3\r\nDuration=160\r\n")));
        await HearsAsync(caller, [AgentHz, SupervisorHz], [], harness);
        await HearsAsync(agent, [CallerHz, SupervisorHz], [], harness);
        await HearsAsync(supervisor, [CallerHz, AgentHz], [], harness);

        // The supervisor leaves: caller and agent bridged again; then the caller hangs up.
        supervisorCall.Hangup();
        await HearsAsync(caller, [AgentHz], [SupervisorHz], harness);
        callerCall.Hangup();

        var record = Assert.Single(await harness.RecordsAsync(1));
        var text = record.ToString();
        Assert.Equal(["1004"], record.GetProperty("supervisors").EnumerateArray().Select(s => s.GetString()));
        var leg = record.GetProperty("legs").EnumerateArray().Single(l => l.GetProperty("role").GetString() == "supervisor");
        Assert.Equal(("1004", "supervisor-hangup"), (leg.GetProperty("party").GetString(), leg.GetProperty("endReason").GetString()));
        var events = record.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString() + " " + (e.TryGetProperty("detail", out var d) ? d.GetString() : null))
            .Where(e => e.StartsWith("supervise", StringComparison.Ordinal)).ToList();
        Assert.True(events.SequenceEqual(["supervise 1004 listen", "supervise-mode 1004 whisper", "supervise-mode 1004 barge", "supervise-end 1004 supervisor-hangup"]), text);
        foreach (var mode in (string[])["listen", "whisper", "barge"])
        {
            Assert.True(await harness.WaitForMetricAsync($"acd_supervisions_total{{mode=\"{mode}\"}} 1"), await harness.MetricsAsync());
        }

        Assert.True(await harness.WaitForMetricAsync("acd_feature_codes_total{code=\"*90\",result=\"ok\"} 1"), await harness.MetricsAsync());
    }

    private static async Task<ReadOnlyMemory<byte>> AnsweredAsync(SipCall call)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            switch (await call.Events.ReadAsync(timeout.Token))
            {
                case SipCallAnswered answered:
                    return answered.Sdp;
                case SipCallFailed failed:
                    throw new InvalidOperationException("the call failed: " + failed.StatusCode.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>
    /// Waits (bounded) until, over the last second, <paramref name="party"/> hears each of <paramref name="present"/>
    /// (at least 15 % of what it receives) and none of <paramref name="absent"/> (under 1 %).
    /// </summary>
    private static async Task HearsAsync(RtpParty party, double[] present, double[] absent, InboundCallHarness harness)
    {
        var deadline = DateTime.UtcNow + Wait;
        var shares = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            party.Clear();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var measured = party.Shares([CallerHz, AgentHz, SupervisorHz]);
            shares = string.Join(", ", measured.Select(m => m.Key.ToString(CultureInfo.InvariantCulture) + " Hz: " + m.Value.ToString("0.000", CultureInfo.InvariantCulture)));
            if (present.All(f => measured[f] > 0.15) && absent.All(f => measured[f] < 0.01))
            {
                return;
            }
        }

        Assert.Fail($"the {party.Hz} Hz party should hear [{string.Join(", ", present)}] and not [{string.Join(", ", absent)}]; heard {shares}\n" + await harness.ServerLogAsync());
    }

    /// <summary>One SIP user agent on a given loopback port (the agent's registered contact) that also places the caller's and supervisor's calls.</summary>
    private sealed class LoopbackPhones : IAsyncDisposable
    {
        private readonly SipTransport _transport;

        private LoopbackPhones(SipTransport transport, SipUserAgent ua)
        {
            _transport = transport;
            UserAgent = ua;
        }

        public SipUserAgent UserAgent { get; }

        public static LoopbackPhones Start(int port)
        {
            var transport = new SipTransport(
                new SipTransportOptions { Udp = ["127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)], Tcp = ["127.0.0.1:0"], PartialMessageTimeout = TimeSpan.FromSeconds(1) },
                TimeProvider.System, NullLogger<SipTransport>.Instance);
            var ua = new SipUserAgent(new SipUserAgentOptions { AutoAnswer = false }, transport, TimeProvider.System, NullLogger<SipUserAgent>.Instance);
            transport.Start(new SipUserAgentHandler(ua));
            return new LoopbackPhones(transport, ua);
        }

        public async ValueTask DisposeAsync()
        {
            await _transport.DisposeAsync();
            UserAgent.Dispose();
        }
    }

    /// <summary>
    /// A party's media: a loopback UDP socket sending a PCMU tone every 20 ms to the server's port from the SDP, and
    /// measuring, per received 20 ms frame, the share of each tone in the frame's power (Goertzel at bins of 50 Hz).
    /// </summary>
    private sealed class RtpParty : IAsyncDisposable
    {
        private const int Frame = 160;
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private readonly List<short[]> _received = [];
        private readonly Task _sending;
        private readonly Task _receiving;
        private readonly uint _ssrc = (uint)Random.Shared.Next();
        private IPEndPoint? _remote;
        private ushort _sequence;
        private uint _timestamp;
        private long _phase;

        public RtpParty(double hz)
        {
            Hz = hz;
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _sending = Task.Run(SendAsync);
            _receiving = Task.Run(ReceiveAsync);
        }

        public double Hz { get; }

        private int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

        public byte[] Sdp() => Encoding.ASCII.GetBytes(
            $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {Port} RTP/AVP 0 101\r\n" +
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n");

        /// <summary>Where to send: the c= address and m=audio port of the server's SDP.</summary>
        public void SetRemote(ReadOnlyMemory<byte> sdp)
        {
            var lines = Encoding.ASCII.GetString(sdp.Span).Split("\r\n");
            var address = IPAddress.Parse(lines.First(l => l.StartsWith("c=IN IP4 ", StringComparison.Ordinal))[9..].Trim());
            var port = int.Parse(lines.First(l => l.StartsWith("m=audio ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
            Volatile.Write(ref _remote, new IPEndPoint(address, port));
        }

        public void Clear()
        {
            lock (_gate)
            {
                _received.Clear();
            }
        }

        /// <summary>Each tone's share of the received power (sum over frames of the tone's power over the sum of the frames' power).</summary>
        public Dictionary<double, double> Shares(double[] tones)
        {
            short[][] frames;
            lock (_gate)
            {
                frames = [.. _received];
            }

            var total = frames.Sum(f => f.Sum(s => (double)s * s) / Frame);
            return tones.ToDictionary(t => t, t => total <= 0 ? 0 : frames.Sum(f => TonePower(f, t)) / total);
        }

        /// <summary>An RFC 4733 event (three updates, three end packets), in the stream's sequence.</summary>
        public async Task SendDigitAsync(byte digitEvent)
        {
            var remote = Volatile.Read(ref _remote)!;
            uint timestamp;
            lock (_gate)
            {
                timestamp = _timestamp;
            }

            for (var i = 1; i <= 6; i++)
            {
                var packet = new byte[16];
                var end = i > 3;
                Header(packet, 101, marker: i == 1, timestamp);
                packet[12] = digitEvent;
                packet[13] = (byte)((end ? 0x80 : 0) | 10);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)(Math.Min(i, 3) * Frame));
                await _socket.SendToAsync(packet, remote);
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Dispose();
            await Task.WhenAll(_sending, _receiving).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }

        /// <summary>Power of <paramref name="hz"/> in one frame (mean-square scale: a tone of amplitude A gives A²/2).</summary>
        private static double TonePower(short[] frame, double hz)
        {
            var coefficient = 2 * Math.Cos(2 * Math.PI * hz / 8000);
            double s1 = 0, s2 = 0;
            foreach (var sample in frame)
            {
                var s = sample + (coefficient * s1) - s2;
                s2 = s1;
                s1 = s;
            }

            var magnitude = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
            return 2 * magnitude / ((double)Frame * Frame);
        }

        private void Header(byte[] packet, byte payloadType, bool marker, uint timestamp)
        {
            lock (_gate)
            {
                packet[0] = 0x80;
                packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), _sequence++);
                BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
                BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), _ssrc);
            }
        }

        private async Task SendAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            var samples = new short[Frame];
            var packet = new byte[12 + Frame];
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    if (Volatile.Read(ref _remote) is not { } remote)
                    {
                        continue;
                    }

                    for (var i = 0; i < Frame; i++, _phase++)
                    {
                        samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * Hz * _phase / 8000));
                    }

                    uint timestamp;
                    lock (_gate)
                    {
                        timestamp = _timestamp;
                        _timestamp += Frame;
                    }

                    Header(packet, 0, marker: false, timestamp);
                    G711.Encode(G711Law.MuLaw, samples, packet.AsSpan(12));
                    await _socket.SendToAsync(packet, remote);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[2048];
            EndPoint any = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                    if (result.ReceivedBytes != 12 + Frame || (buffer[1] & 0x7F) != 0)
                    {
                        continue; // not a 20 ms PCMU frame
                    }

                    var frame = new short[Frame];
                    G711.Decode(G711Law.MuLaw, buffer.AsSpan(12, Frame), frame);
                    lock (_gate)
                    {
                        _received.Add(frame);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }
}
