namespace Acd.Sip.Framing;

/// <summary>Outcome of <see cref="SipStreamFramer.TryReadFrame"/>.</summary>
public enum SipFrameStatus : byte
{
    /// <summary>Not enough bytes yet; nothing was consumed. Read more and call again with the grown buffer.</summary>
    NeedMoreData = 0,

    /// <summary>A whole message was cut from the buffer (parse it with <see cref="SipFraming.Stream"/>).</summary>
    Message,

    /// <summary>An RFC 5626 keep-alive ping (CRLF CRLF) was consumed: answer with a pong (one CRLF).</summary>
    Ping,

    /// <summary>An RFC 5626 pong (a lone CRLF) was consumed.</summary>
    Pong,

    /// <summary>Framing is unrecoverable (bad, missing or conflicting Content-Length, oversize): close the connection.</summary>
    Error,
}
