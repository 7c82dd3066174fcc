using System.Net;
using System.Text;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests.Dialogs;

/// <summary>
/// An in-memory UDP network between user agents on one FakeTimeProvider: sends are queued and delivered by
/// <see cref="Pump"/> (so no UA re-enters itself), and a drop rule simulates loss.
/// </summary>
internal sealed class LoopbackSipNetwork
{
    private readonly Dictionary<IPEndPoint, SipUserAgent> _agents = [];
    private readonly Dictionary<IPEndPoint, Func<string, IEnumerable<string>>> _responders = [];
    private readonly Queue<(IPEndPoint From, IPEndPoint To, byte[] Bytes)> _queue = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Returns true to drop a message (text, from, to).</summary>
    public Func<string, IPEndPoint, IPEndPoint, bool> Drop { get; set; } = (_, _, _) => false;

    public List<string> Delivered { get; } = [];

    public SipUserAgent AddAgent(int port, SipUserAgentOptions? options = null, SipDigestAuthenticator? authenticator = null)
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var ua = new SipUserAgent(
            (options ?? new SipUserAgentOptions()) with { ContactAddress = $"127.0.0.1:{port}", AuthenticateRegister = false },
            new Sender(this, endPoint), Time, NullLogger<SipUserAgent>.Instance, authenticator: authenticator);
        _agents[endPoint] = ua;
        return ua;
    }

    /// <summary>A scripted peer: each message it receives is answered with the messages the function returns.</summary>
    public void AddResponder(int port, Func<string, IEnumerable<string>> respond)
        => _responders[new IPEndPoint(IPAddress.Loopback, port)] = respond;

    public static SipPeer PeerOf(int port) => new(new IPEndPoint(IPAddress.Loopback, port), SipTransportProtocol.Udp);

    /// <summary>Delivers queued messages (and what they cause) until the network is quiet.</summary>
    public void Pump()
    {
        for (var guard = 0; _queue.Count > 0 && guard < 10_000; guard++)
        {
            var (from, to, bytes) = _queue.Dequeue();
            var text = Encoding.UTF8.GetString(bytes);
            if (Drop(text, from, to))
            {
                continue;
            }

            if (_responders.TryGetValue(to, out var respond))
            {
                Delivered.Add(text);
                foreach (var reply in respond(text))
                {
                    _queue.Enqueue((to, from, Encoding.UTF8.GetBytes(reply)));
                }

                continue;
            }

            if (!_agents.TryGetValue(to, out var agent))
            {
                continue;
            }

            Delivered.Add(text);
            agent.Receive(bytes, new SipPeer(from, SipTransportProtocol.Udp), SipFraming.Datagram);
        }
    }

    /// <summary>Advances virtual time in 50 ms steps, pumping after each.</summary>
    public void Advance(TimeSpan by)
    {
        for (var t = TimeSpan.Zero; t < by; t += TimeSpan.FromMilliseconds(50))
        {
            Time.Advance(TimeSpan.FromMilliseconds(50));
            Pump();
        }
    }

    /// <summary>The next call <paramref name="ua"/> received (fails the test when there is none).</summary>
    public static SipCall Incoming(SipUserAgent ua, string who = "the callee")
    {
        Xunit.Assert.True(ua.IncomingCalls.TryRead(out var call), who + " got no call");
        return call;
    }

    /// <summary>The events <paramref name="call"/> has published so far.</summary>
    public static List<SipCallEvent> Drain(SipCall call)
    {
        var events = new List<SipCallEvent>();
        while (call.Events.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    public int CountDelivered(string startsWith) => Delivered.Count(d => d.StartsWith(startsWith, StringComparison.Ordinal));

    private sealed class Sender(LoopbackSipNetwork network, IPEndPoint self) : ISipSender
    {
        public void Send(ReadOnlyMemory<byte> message, in SipPeer destination)
            => network._queue.Enqueue((self, destination.EndPoint, message.ToArray()));
    }
}
