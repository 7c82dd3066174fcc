using System.Net;
using System.Text;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Testing.Sip;

/// <summary>
/// An in-memory UDP network between user agents on one FakeTimeProvider: sends (from any thread) are queued and
/// delivered by <see cref="Pump"/> on the caller's thread (so no UA re-enters itself), and a drop rule simulates loss.
/// </summary>
public sealed class LoopbackSipNetwork
{
    private readonly Dictionary<IPEndPoint, SipUserAgent> _agents = [];
    private readonly Dictionary<IPEndPoint, Func<string, IEnumerable<string>>> _responders = [];
    private readonly Queue<(IPEndPoint From, IPEndPoint To, byte[] Bytes)> _queue = new();
    private readonly List<(IPEndPoint From, IPEndPoint To, string Text)> _delivered = [];
    private readonly Lock _gate = new();
    private readonly Lock _pumping = new();

    /// <summary>The clock of every UA on the network (23 Nov 2026 12:00 UTC at start).</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Returns true to drop a message (text, from, to).</summary>
    public Func<string, IPEndPoint, IPEndPoint, bool> Drop { get; set; } = (_, _, _) => false;

    /// <summary>Every message delivered so far, in order (a snapshot).</summary>
    public IReadOnlyList<string> Delivered
    {
        get
        {
            lock (_gate)
            {
                return [.. _delivered.Select(d => d.Text)];
            }
        }
    }

    /// <summary>Creates a UA listening on 127.0.0.1:<paramref name="port"/>.</summary>
    public SipUserAgent AddAgent(int port, SipUserAgentOptions? options = null, SipDigestAuthenticator? authenticator = null)
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var ua = new SipUserAgent(
            (options ?? new SipUserAgentOptions()) with { ContactAddress = $"127.0.0.1:{port}", AuthenticateRegister = false },
            new Sender(this, endPoint), Time, NullLogger<SipUserAgent>.Instance, authenticator: authenticator);
        lock (_gate)
        {
            _agents[endPoint] = ua;
        }

        return ua;
    }

    /// <summary>A scripted peer: each message it receives is answered with the messages the function returns.</summary>
    public void AddResponder(int port, Func<string, IEnumerable<string>> respond)
    {
        lock (_gate)
        {
            _responders[new IPEndPoint(IPAddress.Loopback, port)] = respond;
        }
    }

    /// <summary>The UDP peer 127.0.0.1:<paramref name="port"/>.</summary>
    public static SipPeer PeerOf(int port) => new(new IPEndPoint(IPAddress.Loopback, port), SipTransportProtocol.Udp);

    /// <summary>Delivers queued messages (and what they cause) until the network is quiet.</summary>
    public void Pump()
    {
        lock (_pumping)
        {
            for (var guard = 0; guard < 10_000 && TryDequeue(out var message); guard++)
            {
                Deliver(message.From, message.To, message.Bytes);
            }
        }
    }

    /// <summary>
    /// Pumps the network and hands <paramref name="agent"/>'s new incoming calls to <paramref name="accept"/> (as a node
    /// hands them to its call services) until <paramref name="condition"/> holds, 5 s of real time at most; with
    /// <paramref name="advance"/>, virtual time moves in 50 ms steps too. False when the time ran out.
    /// </summary>
    public bool PumpUntil(SipUserAgent agent, Action<SipCall> accept, Func<bool> condition, bool advance = false)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(accept);
        ArgumentNullException.ThrowIfNull(condition);
        return SpinWait.SpinUntil(() =>
        {
            Pump();
            while (agent.IncomingCalls.TryRead(out var call))
            {
                accept(call);
            }

            if (advance)
            {
                Time.Advance(TimeSpan.FromMilliseconds(50));
            }

            return condition();
        }, TimeSpan.FromSeconds(5));
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
        ArgumentNullException.ThrowIfNull(ua);
        Xunit.Assert.True(ua.IncomingCalls.TryRead(out var call), who + " got no call");
        return call;
    }

    /// <summary>The events <paramref name="call"/> has published so far.</summary>
    public static List<SipCallEvent> Drain(SipCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var events = new List<SipCallEvent>();
        while (call.Events.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>How many delivered messages start with <paramref name="startsWith"/> (e.g. <c>"CANCEL "</c>, <c>"SIP/2.0 487 "</c>).</summary>
    public int CountDelivered(string startsWith) => CountDelivered(startsWith, to: null);

    /// <summary>How many messages delivered to 127.0.0.1:<paramref name="to"/> (any port when null) start with <paramref name="startsWith"/>.</summary>
    public int CountDelivered(string startsWith, int? to)
    {
        lock (_gate)
        {
            return _delivered.Count(d => (to is null || d.To.Port == to) && d.Text.StartsWith(startsWith, StringComparison.Ordinal));
        }
    }

    /// <summary>The messages delivered to 127.0.0.1:<paramref name="port"/>, in order.</summary>
    public IReadOnlyList<string> DeliveredTo(int port)
    {
        lock (_gate)
        {
            return [.. _delivered.Where(d => d.To.Port == port).Select(d => d.Text)];
        }
    }

    private bool TryDequeue(out (IPEndPoint From, IPEndPoint To, byte[] Bytes) message)
    {
        lock (_gate)
        {
            return _queue.TryDequeue(out message);
        }
    }

    private void Deliver(IPEndPoint from, IPEndPoint to, byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (Drop(text, from, to))
        {
            return;
        }

        Func<string, IEnumerable<string>>? respond;
        SipUserAgent? agent;
        lock (_gate)
        {
            _responders.TryGetValue(to, out respond);
            _agents.TryGetValue(to, out agent);
            if (respond is not null || agent is not null)
            {
                _delivered.Add((from, to, text));
            }
        }

        if (respond is not null)
        {
            foreach (var reply in respond(text))
            {
                Enqueue(to, from, Encoding.UTF8.GetBytes(reply));
            }

            return;
        }

        agent?.Receive(bytes, new SipPeer(from, SipTransportProtocol.Udp), SipFraming.Datagram);
    }

    private void Enqueue(IPEndPoint from, IPEndPoint to, byte[] bytes)
    {
        lock (_gate)
        {
            _queue.Enqueue((from, to, bytes));
        }
    }

    private sealed class Sender(LoopbackSipNetwork network, IPEndPoint self) : ISipSender
    {
        public void Send(ReadOnlyMemory<byte> message, in SipPeer destination) => network.Enqueue(self, destination.EndPoint, message.ToArray());
    }
}
