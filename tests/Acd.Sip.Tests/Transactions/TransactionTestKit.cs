using System.Net;
using System.Text;
using Acd.Sip.Transactions;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests.Transactions;

internal sealed class RecordingSender : ISipSender
{
    private readonly FakeTimeProvider _time;
    private readonly DateTimeOffset _start;

    public RecordingSender(FakeTimeProvider time)
    {
        _time = time;
        _start = time.GetUtcNow();
    }

    public List<(string Text, SipPeer Peer, TimeSpan At)> Sent { get; } = [];

    public void Send(ReadOnlyMemory<byte> message, in SipPeer destination)
        => Sent.Add((Encoding.ASCII.GetString(message.Span), destination, _time.GetUtcNow() - _start));

    public int Count(string text) => Sent.Count(s => s.Text == text);

    public List<TimeSpan> Times(string text) => Sent.Where(s => s.Text == text).Select(s => s.At).ToList();
}

internal sealed class RecordingUser : ISipClientTransactionUser
{
    public List<int> Responses { get; } = [];

    public int Timeouts { get; private set; }

    public int AcksBuilt { get; private set; }

    public void OnResponse(SipClientTransaction transaction, in SipResponseInfo response) => Responses.Add(response.StatusCode);

    public void OnTimeout(SipClientTransaction transaction) => Timeouts++;

    public ReadOnlyMemory<byte> BuildAckForFailure(SipClientTransaction transaction, in SipResponseInfo response)
    {
        AcksBuilt++;
        return Encoding.ASCII.GetBytes("ACK");
    }
}

internal sealed class TransactionKit
{
    public static readonly SipPeer Udp = new(new IPEndPoint(IPAddress.Loopback, 5070), SipTransportProtocol.Udp);
    public static readonly SipPeer Tcp = new(new IPEndPoint(IPAddress.Loopback, 5070), SipTransportProtocol.Tcp, 7);

    public TransactionKit()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        Sender = new RecordingSender(Time);
        Layer = new SipTransactionLayer(Sender, Time);
    }

    public FakeTimeProvider Time { get; }

    public RecordingSender Sender { get; }

    public SipTransactionLayer Layer { get; }

    public static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    public static SipRequestInfo Request(string method, string? branch = "z9hG4bK-1", SipPeer? peer = null, uint cseq = 1)
        => new(method, branch, "127.0.0.1:5070", "call-1", cseq, "ft", "sip:100@127.0.0.1", peer ?? Udp);

    public void Advance(TimeSpan by, int steps = 1)
    {
        for (var i = 0; i < steps; i++)
        {
            Time.Advance(by / steps);
        }
    }

    public void AdvanceMs(int milliseconds)
    {
        // Step in 10 ms increments so timers that re-arm inside callbacks fire at their exact times.
        for (var i = 0; i < milliseconds / 10; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }
}
