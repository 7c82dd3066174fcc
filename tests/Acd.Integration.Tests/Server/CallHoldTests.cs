using System.Net;
using System.Net.Sockets;
using System.Text;
using Acd.Integration.Tests.Sip;
using Acd.Media.Codecs;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Hold and resume from the agent's phone on the real server: SIPp agent 1002 answers a support call, re-INVITEs with
/// a=sendonly (hold) and later a=sendrecv (resume). The caller is our own user agent dialling 200 (a number routed
/// straight to support) with a loopback RTP socket that measures every packet it receives: silent while the caller
/// talks to the agent (the agent's phone echoes the caller, who sends nothing), music while held.
/// </summary>
public sealed class CallHoldTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Reinvite_SendonlyThenSendrecv_CallerHearsMusicOnlyWhileHeldAndTheRecordCountsTheHold()
    {
        await using var harness = await InboundCallHarness.StartAsync(c => c.Replace("numbers:\n", "numbers:\n  - number: \"200\"\n    queue: support\n", StringComparison.Ordinal));
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);
        Assert.True(await harness.WaitForMetricAsync("acd_agents{queue=\"support\",state=\"Available\"} 1"), await harness.MetricsAsync());
        await using var stack = InProcessSipStack.Start(authenticate: false, autoAnswer: false);
        using var ear = new RtpEar();

        var agent = harness.AgentAsync("agent_hold_resume.xml", agentPort);
        var call = stack.UserAgent.Originate(new SipOriginateRequest
        {
            Target = $"sip:200@{harness.Server.SipTarget}",
            Destination = new SipPeer(new IPEndPoint(IPAddress.Loopback, harness.Server.SipPort), SipTransportProtocol.Udp),
            From = "sip:+15551234567@127.0.0.1",
            Sdp = Encoding.ASCII.GetBytes($"v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {ear.Port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"),
        });
        var phone = await agent;
        Assert.True(phone.ExitCode == 0, phone.ToString() + await harness.ServerLogAsync());
        using (var ended = new CancellationTokenSource(Wait))
        {
            while (await call.Events.ReadAsync(ended.Token) is not SipCallEnded)
            {
            }
        }

        var record = Assert.Single(await harness.RecordsAsync(1));
        var text = record.ToString();
        Assert.InRange(record.GetProperty("holdSeconds").GetDouble(), 2.5, 4.5);
        var events = record.GetProperty("events").EnumerateArray().ToList();
        DateTimeOffset At(string kind) => events.Single(e => e.GetProperty("kind").GetString() == kind).GetProperty("time").GetDateTimeOffset();
        var answered = At("agent-answered");
        var held = At("hold");
        var resumed = At("resume");
        Assert.True(answered < held && held < resumed, text);

        // Held: a packet every 20 ms, most of them carrying sound; talking (before and after): hardly any sound.
        var hold = ear.Between(held.AddMilliseconds(300), resumed.AddMilliseconds(-200));
        var talk = ear.Between(answered.AddMilliseconds(300), held.AddMilliseconds(-200));
        var span = (resumed - held).TotalSeconds - 0.5;
        Assert.True(hold.Count > span * 50 * 0.8, $"{hold.Count} packets in {span:0.0} s of hold");
        Assert.True(hold.Count(loud => loud) > hold.Count * 0.5, $"{hold.Count(l => l)} of {hold.Count} packets held carried sound");
        Assert.True(talk.Count(loud => loud) < Math.Max(3, talk.Count / 10), $"{talk.Count(l => l)} of {talk.Count} packets while talking carried sound");
        Assert.Equal("1002", record.GetProperty("agent").GetString());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "resume");
    }

    /// <summary>A loopback RTP socket that notes, for every PCMU packet received, when it came and whether it carried sound.</summary>
    private sealed class RtpEar : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private readonly List<(DateTimeOffset At, bool Loud)> _packets = [];

        public RtpEar()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _ = Task.Run(ReceiveAsync);
        }

        public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

        /// <summary>Whether each packet received between <paramref name="from"/> and <paramref name="to"/> carried sound.</summary>
        public List<bool> Between(DateTimeOffset from, DateTimeOffset to)
        {
            lock (_gate)
            {
                return [.. _packets.Where(p => p.At >= from && p.At <= to).Select(p => p.Loud)];
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[2048];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (n <= 12 || (buffer[1] & 0x7F) != 0)
                    {
                        continue; // not PCMU audio (RTCP lands on the next port)
                    }

                    long sum = 0;
                    for (var i = 12; i < n; i++)
                    {
                        sum += Math.Abs((int)G711.MuLawToLinear(buffer[i]));
                    }

                    lock (_gate)
                    {
                        _packets.Add((DateTimeOffset.UtcNow, sum / (n - 12) > 100));
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }
}
