namespace Acd.Sip;

/// <summary>How the bytes handed to the parser were delimited (RFC 3261 section 18.3).</summary>
public enum SipFraming : byte
{
    /// <summary>A UDP datagram: Content-Length optional (body = rest); octets after Content-Length are ignored.</summary>
    Datagram = 0,

    /// <summary>A frame cut from a stream by <see cref="Framing.SipStreamFramer"/>: Content-Length mandatory.</summary>
    Stream = 1,
}
