namespace Acd.Sip.Transactions;

/// <summary>
/// The fields of a received request that transaction matching needs (RFC 3261 17.2.3), extracted by the
/// caller from the parsed message, plus the peer responses go to (computed per 18.2.2 with received/rport).
/// </summary>
/// <param name="Method">Request method (ACK and CANCEL included).</param>
/// <param name="Branch">Top Via branch parameter, or null when absent.</param>
/// <param name="SentBy">Top Via sent-by (host[:port]) as sent.</param>
/// <param name="CallId">Call-ID.</param>
/// <param name="CSeq">CSeq number.</param>
/// <param name="FromTag">From tag, or null (RFC 2543 peers).</param>
/// <param name="RequestUri">Request-URI text (used only for RFC 2543 matching).</param>
/// <param name="ResponsePeer">Where responses to this request are sent.</param>
public readonly record struct SipRequestInfo(
    string Method, string? Branch, string SentBy, string CallId, uint CSeq, string? FromTag, string RequestUri, SipPeer ResponsePeer)
{
    /// <summary>The RFC 3261 magic cookie every compliant branch starts with.</summary>
    public const string MagicCookie = "z9hG4bK";

    /// <summary>True when the branch starts with the magic cookie and has something after it.</summary>
    public bool HasRfc3261Branch => Branch is { Length: > 7 } b && b.StartsWith(MagicCookie, StringComparison.Ordinal);

    /// <summary>True for the RFC 4475 "badbranch" case: the cookie and nothing else.</summary>
    public bool HasCookieOnlyBranch => string.Equals(Branch, MagicCookie, StringComparison.Ordinal);
}

/// <summary>The fields of a received response that client transaction matching needs (RFC 3261 17.1.3).</summary>
/// <param name="StatusCode">Status code 100..699.</param>
/// <param name="Branch">Top Via branch.</param>
/// <param name="CSeqMethod">CSeq method.</param>
/// <param name="Message">The parsed response, passed to the transaction user untouched.</param>
public readonly record struct SipResponseInfo(int StatusCode, string? Branch, string CSeqMethod, object? Message = null)
{
    /// <summary>1xx.</summary>
    public bool IsProvisional => StatusCode < 200;

    /// <summary>2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>What the transaction layer did with a received request.</summary>
public enum SipRequestDisposition
{
    /// <summary>A new server transaction was created: the TU must handle the request and respond through it.</summary>
    NewTransaction,

    /// <summary>A retransmission of a request in progress: absorbed (the last response was resent if any).</summary>
    Retransmission,

    /// <summary>An ACK for a non-2xx final response: absorbed by the INVITE server transaction.</summary>
    AckAbsorbed,

    /// <summary>An ACK for a 2xx (no transaction): stops 2xx retransmission; pass it to the dialog/UA core.</summary>
    AckForSuccess,

    /// <summary>An ACK matching nothing: pass it to the UA core (which usually drops it).</summary>
    StrayAck,

    /// <summary>The top Via branch is the bare magic cookie (RFC 4475 badbranch): answer 400 statelessly.</summary>
    BadBranch,
}

/// <summary>What a CANCEL matched (RFC 3261 9.2).</summary>
public enum SipCancelMatch
{
    /// <summary>No INVITE server transaction with that branch: answer the CANCEL 481.</summary>
    NoTransaction,

    /// <summary>The INVITE already has a final response: answer the CANCEL 200 and nothing else.</summary>
    AlreadyAnswered,

    /// <summary>The INVITE is pending: answer the CANCEL 200, then the INVITE 487 Request Terminated.</summary>
    Pending,
}
