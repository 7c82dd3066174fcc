using System.Net;

namespace Acd.Sip.Transactions;

/// <summary>The transport a SIP message travels on.</summary>
public enum SipTransportProtocol : byte
{
    /// <summary>UDP: unreliable, retransmission timers run.</summary>
    Udp = 0,

    /// <summary>TCP: reliable, retransmission timers do not run and wait timers are zero.</summary>
    Tcp = 1,
}

/// <summary>
/// Where a message came from or goes to: the remote endpoint, the transport, and for connection-oriented
/// transports the connection it arrived on (0 = any/new), so responses reuse it (RFC 3261 18.2.2).
/// </summary>
/// <param name="EndPoint">Remote IP endpoint.</param>
/// <param name="Protocol">Transport protocol.</param>
/// <param name="ConnectionId">Transport connection id (TCP), 0 for UDP or "open or reuse any".</param>
public readonly record struct SipPeer(IPEndPoint EndPoint, SipTransportProtocol Protocol, long ConnectionId = 0)
{
    /// <summary>True for TCP (and later TLS): no retransmissions.</summary>
    public bool IsReliable => Protocol != SipTransportProtocol.Udp;

    /// <summary>The Via transport token: "UDP" or "TCP".</summary>
    public string ViaTransport => Protocol == SipTransportProtocol.Udp ? "UDP" : "TCP";

    /// <inheritdoc />
    public override string ToString() => $"{ViaTransport}:{EndPoint}" + (ConnectionId != 0 ? $"#{ConnectionId}" : string.Empty);
}

/// <summary>Sends serialized SIP messages; implemented by the transport (UDP socket, TCP connection pool).</summary>
public interface ISipSender
{
    /// <summary>
    /// Queues <paramref name="message"/> to <paramref name="destination"/>. Never blocks and never throws
    /// for network errors (they are logged and counted by the transport). The memory may be kept for
    /// retransmission by the caller, so the transport must not recycle it.
    /// </summary>
    void Send(ReadOnlyMemory<byte> message, in SipPeer destination);
}
