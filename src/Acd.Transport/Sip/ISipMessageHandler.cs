using Acd.Sip;
using Acd.Sip.Transactions;

namespace Acd.Transport.Sip;

/// <summary>Receives raw SIP messages from the transport: one UDP datagram or one framed TCP message.</summary>
public interface ISipMessageHandler
{
    /// <summary>
    /// Handles one message. <paramref name="message"/> is owned by the handler (not reused by the transport).
    /// Called on the receive loop: keep it short and never block. Returns false when the message was so broken
    /// that a stream connection cannot be trusted any more (the transport closes it; ignored for UDP).
    /// Exceptions are caught, logged and counted.
    /// </summary>
    bool OnMessage(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing);
}
