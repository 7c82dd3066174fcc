namespace Acd.Sip;

/// <summary>What is wrong with a message that failed to parse or frame.</summary>
public enum SipParseErrorCode
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The message is larger than <see cref="SipParserLimits.MaxMessageBytes"/>.</summary>
    MessageTooLarge,

    /// <summary>The body is larger than <see cref="SipParserLimits.MaxBodyBytes"/>.</summary>
    BodyTooLarge,

    /// <summary>More header fields than <see cref="SipParserLimits.MaxHeaderCount"/>.</summary>
    TooManyHeaders,

    /// <summary>A header field (with its folds) is longer than <see cref="SipParserLimits.MaxHeaderLineBytes"/>.</summary>
    HeaderTooLong,

    /// <summary>The input is empty or holds only CRLF.</summary>
    Empty,

    /// <summary>The request line is malformed (method, spacing, Request-URI).</summary>
    InvalidRequestLine,

    /// <summary>The status line is malformed (status code not 3 digits in 100..699).</summary>
    InvalidStatusLine,

    /// <summary>The SIP-Version is well formed but not SIP/2.0.</summary>
    UnsupportedVersion,

    /// <summary>A line does not end in CRLF, or a header line has no name or no colon.</summary>
    InvalidHeaderLine,

    /// <summary>The header section is not closed by an empty line.</summary>
    UnterminatedHeaders,

    /// <summary>A known header's value does not match its grammar (Via, From, To, Contact, CSeq, Date...).</summary>
    InvalidHeaderValue,

    /// <summary>CSeq number over 2^32-1 or CSeq method not the request method.</summary>
    InvalidCSeq,

    /// <summary>Content-Length not a non-negative integer, or larger than the bytes that follow (datagram).</summary>
    InvalidContentLength,

    /// <summary>Several Content-Length values that disagree (framing cannot be trusted).</summary>
    ConflictingContentLength,

    /// <summary>A stream message without Content-Length (RFC 3261 section 18.3 makes it mandatory on streams).</summary>
    MissingContentLength,

    /// <summary>The Request-URI is malformed (LWS, angle brackets, headers in a SIP URI, bad host or port).</summary>
    InvalidRequestUri,
}

/// <summary>
/// The error value returned instead of a message. <see cref="StatusCode"/> is the status a UAS should
/// answer a request with (400, 501, 505, 513); 0 means "discard silently" (the input was a response,
/// or not recognisably a request). <see cref="Offset"/> is the byte offset in the input where the problem was seen.
/// </summary>
public readonly record struct SipParseError(SipParseErrorCode Code, int StatusCode, string Message, int Offset)
{
    /// <summary>The reason phrase matching <see cref="StatusCode"/>.</summary>
    public string ReasonPhrase => StatusCode switch
    {
        400 => "Bad Request",
        501 => "Not Implemented",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        _ => string.Empty,
    };

    /// <summary>
    /// A stable snake_case name of <see cref="Code"/> for metric tags (e.g. the "reason" of
    /// <c>acd_sip_parse_errors_total</c> on the Acd.Sip meter); a cached string, no allocation.
    /// </summary>
    public string MetricTag => Code switch
    {
        SipParseErrorCode.None => "none",
        SipParseErrorCode.MessageTooLarge => "message_too_large",
        SipParseErrorCode.BodyTooLarge => "body_too_large",
        SipParseErrorCode.TooManyHeaders => "too_many_headers",
        SipParseErrorCode.HeaderTooLong => "header_too_long",
        SipParseErrorCode.Empty => "empty",
        SipParseErrorCode.InvalidRequestLine => "invalid_request_line",
        SipParseErrorCode.InvalidStatusLine => "invalid_status_line",
        SipParseErrorCode.UnsupportedVersion => "unsupported_version",
        SipParseErrorCode.InvalidHeaderLine => "invalid_header_line",
        SipParseErrorCode.UnterminatedHeaders => "unterminated_headers",
        SipParseErrorCode.InvalidHeaderValue => "invalid_header_value",
        SipParseErrorCode.InvalidCSeq => "invalid_cseq",
        SipParseErrorCode.InvalidContentLength => "invalid_content_length",
        SipParseErrorCode.ConflictingContentLength => "conflicting_content_length",
        SipParseErrorCode.MissingContentLength => "missing_content_length",
        SipParseErrorCode.InvalidRequestUri => "invalid_request_uri",
        _ => "other",
    };

    /// <inheritdoc />
    public override string ToString() => $"{Code} ({StatusCode}) at {Offset}: {Message}";
}
