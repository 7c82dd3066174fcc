using Acd.Sip;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;

namespace Acd.Transport.Sip;

/// <summary>Feeds what the transport receives into the SIP user agent core.</summary>
public sealed class SipUserAgentHandler(SipUserAgent userAgent) : ISipMessageHandler
{
    /// <inheritdoc />
    public bool OnMessage(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing)
        => userAgent.Receive(message, source, framing);
}
