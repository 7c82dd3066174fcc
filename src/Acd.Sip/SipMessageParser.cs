using System.Buffers;
using Acd.Sip.Headers;
using Acd.Sip.Parsing;
using Acd.Sip.Text;
using Acd.Sip.Uri;

namespace Acd.Sip;

/// <summary>
/// Parses one SIP message from contiguous bytes without copying them. Never throws on input: malformed or
/// over-limit input yields a <see cref="SipParseError"/> carrying the status a UAS should answer.
/// Besides splitting lines it checks the grammar of the headers every later layer relies on
/// (Via, From, To, Contact, CSeq, Content-Length, Date, Request-URI) so upper layers can trust them.
/// </summary>
public static class SipMessageParser
{
    private const int StackFields = 48;

    /// <summary>Parses a datagram with default limits.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> input, out SipMessage? message, out SipParseError error) =>
        TryParse(input, SipFraming.Datagram, SipParserLimits.Default, out message, out error);

    /// <summary>Parses a sequence (copied once if it has several segments).</summary>
    public static bool TryParse(in ReadOnlySequence<byte> input, SipFraming framing, SipParserLimits limits, out SipMessage? message, out SipParseError error)
    {
        var memory = input.IsSingleSegment ? input.First : input.ToArray();
        return TryParse(memory, framing, limits, out message, out error);
    }

    /// <summary>Parses one message.</summary>
    /// <param name="input">The datagram, or a frame cut by the stream framer. The message keeps a reference to it.</param>
    /// <param name="framing">Datagram or stream rules for Content-Length.</param>
    /// <param name="limits">Size limits.</param>
    /// <param name="message">The message on success.</param>
    /// <param name="error">The error on failure.</param>
    public static bool TryParse(ReadOnlyMemory<byte> input, SipFraming framing, SipParserLimits limits, out SipMessage? message, out SipParseError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        message = null;
        if (input.Length > limits.MaxMessageBytes)
        {
            error = Error(SipParseErrorCode.MessageTooLarge, 513, "message larger than the configured maximum", limits.MaxMessageBytes, isRequest: true);
            return false;
        }

        var all = input.Span;
        var skip = 0;
        while (skip + 1 < all.Length && all[skip] == '\r' && all[skip + 1] == '\n')
        {
            skip += 2;
        }

        var buffer = input[skip..];
        var s = buffer.Span;
        if (s.IsEmpty)
        {
            error = Error(SipParseErrorCode.Empty, 0, "no message", skip, isRequest: false);
            return false;
        }

        var isRequest = !s.StartsWith("SIP/"u8);
        var lineEnd = FindLineEnd(s, 0);
        if (lineEnd < 0)
        {
            error = Error(lineEnd == -2 ? SipParseErrorCode.InvalidHeaderLine : SipParseErrorCode.UnterminatedHeaders, 400, "start line not terminated by CRLF", skip, isRequest);
            return false;
        }

        var line = default(SipMessage.StartLine);
        if (!(isRequest ? ParseRequestLine(s[..lineEnd], ref line, out error) : ParseStatusLine(s[..lineEnd], ref line, out error)))
        {
            error = error with { Offset = error.Offset + skip };
            return false;
        }

        var fields = new HeaderFieldBuffer(stackalloc SipHeaderField[StackFields]);
        try
        {
            if (!ParseHeaders(s, lineEnd + 2, limits, isRequest, ref fields, out var bodyStart, out error))
            {
                error = error with { Offset = error.Offset + skip };
                return false;
            }

            var headers = fields.Items;
            if (!Frame(s, headers, bodyStart, framing, limits, isRequest, out var bodyLength, out var contentLength, out var conflict, out error) ||
                !CheckKnownHeaders(s, headers, line, isRequest, out error))
            {
                error = error with { Offset = error.Offset + skip };
                return false;
            }

            message = new SipMessage(buffer[..(bodyStart + bodyLength)], headers.ToArray(), line, bodyStart, bodyLength, contentLength, conflict);
            error = default;
            return true;
        }
        finally
        {
            fields.Dispose();
        }
    }

    /// <summary>Offset of the CR of the next CRLF at or after <paramref name="from"/>; -1 when none; -2 on a bare CR or LF.</summary>
    private static int FindLineEnd(ReadOnlySpan<byte> s, int from)
    {
        var i = s[from..].IndexOfAny((byte)'\r', (byte)'\n');
        if (i < 0)
        {
            return -1;
        }

        i += from;
        if (s[i] == '\n')
        {
            return -2;
        }

        if (i + 1 >= s.Length)
        {
            return -1;
        }

        return s[i + 1] == '\n' ? i : -2;
    }

    private static bool ParseRequestLine(ReadOnlySpan<byte> l, ref SipMessage.StartLine line, out SipParseError error)
    {
        line.IsRequest = true;
        var m = SipChars.TokenLength(l);

        var lastSp = l.LastIndexOf((byte)' ');
        if (m == 0 || m >= l.Length || l[m] != ' ' || lastSp <= m)
        {
            error = Error(SipParseErrorCode.InvalidRequestLine, 400, "request line is not Method SP Request-URI SP SIP-Version", m, true);
            return false;
        }

        line.MethodLength = m;
        line.UriStart = m + 1;
        line.UriLength = lastSp - m - 1;
        line.VersionStart = lastSp + 1;
        line.VersionLength = l.Length - lastSp - 1;
        if (!CheckVersion(l[line.VersionStart..], line.VersionStart, true, out error))
        {
            return false;
        }

        var uri = l.Slice(line.UriStart, line.UriLength);
        if (!ValidRequestUri(uri))
        {
            error = Error(SipParseErrorCode.InvalidRequestUri, 400, "malformed Request-URI", line.UriStart, true);
            return false;
        }

        error = default;
        return true;
    }

    private static bool ValidRequestUri(ReadOnlySpan<byte> uri)
    {
        if (!SipNameAddr.IsPlainUri(uri))
        {
            return false; // empty, LWS, <>, quotes, no scheme (RFC 4475 lwsruri, lwsstart, ltgtruri)
        }

        var scheme = SipUri.ClassifyScheme(uri[..SipUri.SchemeLength(uri)]);
        if (scheme is SipUriScheme.Sip or SipUriScheme.Sips)
        {
            // Headers are not allowed in a SIP Request-URI (RFC 3261 section 19.1.1; RFC 4475 escruri).
            return SipUri.IsValidSip(uri, out var hasHeaders) && !hasHeaders;
        }

        return true;
    }

    private static bool ParseStatusLine(ReadOnlySpan<byte> l, ref SipMessage.StartLine line, out SipParseError error)
    {
        line.IsRequest = false;
        var sp = l.IndexOf((byte)' ');
        if (sp < 0)
        {
            error = Error(SipParseErrorCode.InvalidStatusLine, 0, "status line has no status code", 0, false);
            return false;
        }

        line.VersionLength = sp;
        if (!CheckVersion(l[..sp], 0, false, out error))
        {
            return false;
        }

        var rest = l[(sp + 1)..];
        if (rest.Length < 3 || !char.IsAsciiDigit((char)rest[0]) || !char.IsAsciiDigit((char)rest[1]) || !char.IsAsciiDigit((char)rest[2]) ||
            (rest.Length > 3 && rest[3] != ' '))
        {
            error = Error(SipParseErrorCode.InvalidStatusLine, 0, "status code is not three digits", sp + 1, false);
            return false;
        }

        var code = ((rest[0] - '0') * 100) + ((rest[1] - '0') * 10) + (rest[2] - '0');
        if (code is < 100 or > 699)
        {
            error = Error(SipParseErrorCode.InvalidStatusLine, 0, "status code outside 100..699", sp + 1, false);
            return false;
        }

        line.StatusCode = code;
        line.ReasonStart = Math.Min(sp + 5, l.Length);
        line.ReasonLength = l.Length - line.ReasonStart;
        line.UriStart = line.ReasonStart;
        error = default;
        return true;
    }

    private static bool CheckVersion(ReadOnlySpan<byte> v, int offset, bool isRequest, out SipParseError error)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(v, "SIP/2.0"u8))
        {
            error = default;
            return true;
        }

        // SIP "/" 1*DIGIT "." 1*DIGIT but not 2.0: 505; anything else is a malformed line.
        var dot = v.IndexOf((byte)'.');
        var wellFormed = v.Length > 4 && System.Text.Ascii.EqualsIgnoreCase(v[..4], "SIP/"u8) && dot > 4 && dot < v.Length - 1 &&
            SipNumber.TryParseUInt32(v[4..dot], out _) && SipNumber.TryParseUInt32(v[(dot + 1)..], out _);
        error = wellFormed
            ? Error(SipParseErrorCode.UnsupportedVersion, 505, "SIP version is not 2.0", offset, isRequest)
            : Error(isRequest ? SipParseErrorCode.InvalidRequestLine : SipParseErrorCode.InvalidStatusLine, 400, "malformed SIP-Version", offset, isRequest);
        return false;
    }

    private static bool ParseHeaders(ReadOnlySpan<byte> s, int pos, SipParserLimits limits, bool isRequest, ref HeaderFieldBuffer fields, out int bodyStart, out SipParseError error)
    {
        bodyStart = 0;
        int nameStart = -1, nameLength = 0, valueStart = 0, lineEnd = 0;
        var folded = false;
        var id = SipHeaderId.Unknown;
        while (true)
        {
            var end = FindLineEnd(s, pos);
            if (end < 0)
            {
                error = end == -2
                    ? Error(SipParseErrorCode.InvalidHeaderLine, 400, "bare CR or LF in the header section", pos, isRequest)
                    : Error(SipParseErrorCode.UnterminatedHeaders, 400, "header section not closed by an empty line", pos, isRequest);
                return false;
            }

            var isFold = end > pos && SipChars.IsWsp(s[pos]);
            if (isFold)
            {
                if (nameStart < 0)
                {
                    error = Error(SipParseErrorCode.InvalidHeaderLine, 400, "continuation line without a header", pos, isRequest);
                    return false;
                }

                folded = true;
                lineEnd = end;
            }
            else
            {
                if (nameStart >= 0 && !Complete(s, ref fields, limits, id, folded, nameStart, nameLength, valueStart, lineEnd, isRequest, out error))
                {
                    return false;
                }

                if (end == pos)
                {
                    bodyStart = end + 2;
                    error = default;
                    return true;
                }

                var n = pos + SipChars.TokenLength(s[pos..end]);

                var colon = n;
                while (colon < end && SipChars.IsWsp(s[colon]))
                {
                    colon++;
                }

                if (n == pos || colon >= end || s[colon] != ':')
                {
                    error = Error(SipParseErrorCode.InvalidHeaderLine, 400, "header line without name or colon", pos, isRequest);
                    return false;
                }

                nameStart = pos;
                nameLength = n - pos;
                id = SipHeaderNames.Lookup(s.Slice(pos, nameLength));
                valueStart = colon + 1;
                lineEnd = end;
                folded = false;
            }

            if (lineEnd - nameStart > limits.MaxHeaderLineBytes)
            {
                error = Error(SipParseErrorCode.HeaderTooLong, 400, "header field longer than the configured maximum", nameStart, isRequest);
                return false;
            }

            pos = end + 2;
        }
    }

    private static bool Complete(ReadOnlySpan<byte> s, ref HeaderFieldBuffer fields, SipParserLimits limits, SipHeaderId id, bool folded,
        int nameStart, int nameLength, int valueStart, int lineEnd, bool isRequest, out SipParseError error)
    {
        if (fields.Count >= limits.MaxHeaderCount)
        {
            error = Error(SipParseErrorCode.TooManyHeaders, 400, "more header fields than the configured maximum", nameStart, isRequest);
            return false;
        }

        var v = valueStart;
        while (v < lineEnd && SipChars.IsLws(s[v]))
        {
            v++;
        }

        var e = lineEnd;
        while (e > v && SipChars.IsLws(s[e - 1]))
        {
            e--;
        }

        fields.Add(new SipHeaderField(id, folded, nameStart, nameLength, v, e - v, lineEnd));
        error = default;
        return true;
    }

    private static bool Frame(ReadOnlySpan<byte> s, ReadOnlySpan<SipHeaderField> headers, int bodyStart, SipFraming framing, SipParserLimits limits,
        bool isRequest, out int bodyLength, out int contentLength, out bool conflict, out SipParseError error)
    {
        contentLength = -1;
        conflict = false;
        bodyLength = 0;
        foreach (ref readonly var h in headers)
        {
            if (h.Id != SipHeaderId.ContentLength)
            {
                continue;
            }

            if (!SipNumber.TryParseInt32(s.Slice(h.ValueStart, h.ValueLength), out var cl))
            {
                error = Error(SipParseErrorCode.InvalidContentLength, 400, "Content-Length is not a non-negative integer", h.ValueStart, isRequest);
                return false;
            }

            if (contentLength < 0)
            {
                contentLength = cl;
            }
            else if (cl != contentLength)
            {
                conflict = true;
            }
        }

        var available = s.Length - bodyStart;
        if (framing == SipFraming.Stream)
        {
            if (contentLength < 0)
            {
                error = Error(SipParseErrorCode.MissingContentLength, 400, "Content-Length is mandatory on a stream", bodyStart, isRequest);
                return false;
            }

            if (conflict)
            {
                error = Error(SipParseErrorCode.ConflictingContentLength, 400, "Content-Length values disagree", bodyStart, isRequest);
                return false;
            }
        }

        bodyLength = contentLength < 0 ? available : contentLength;
        if (bodyLength > limits.MaxBodyBytes)
        {
            error = Error(SipParseErrorCode.BodyTooLarge, 513, "body larger than the configured maximum", bodyStart, isRequest);
            return false;
        }

        if (bodyLength > available)
        {
            error = Error(SipParseErrorCode.InvalidContentLength, 400, "Content-Length larger than the bytes received", bodyStart, isRequest);
            return false;
        }

        error = default;
        return true;
    }

    private static bool CheckKnownHeaders(ReadOnlySpan<byte> s, ReadOnlySpan<SipHeaderField> headers, in SipMessage.StartLine line, bool isRequest, out SipParseError error)
    {
        foreach (ref readonly var h in headers)
        {
            var value = s.Slice(h.ValueStart, h.ValueLength);
            var ok = h.Id switch
            {
                SipHeaderId.Via => CheckList(value, static v => SipVia.TryParse(v, out _)),
                SipHeaderId.From or SipHeaderId.To => SipNameAddr.TryParse(value, out var na) && !na.IsWildcard,
                SipHeaderId.Contact => CheckList(value, static v => SipNameAddr.TryParse(v, out _)),
                SipHeaderId.Date => value.EndsWith(" GMT"u8),
                _ => true,
            };

            if (!ok)
            {
                error = Error(SipParseErrorCode.InvalidHeaderValue, 400, "malformed Via, From, To, Contact or Date value", h.ValueStart, isRequest);
                return false;
            }

            if (h.Id == SipHeaderId.CSeq)
            {
                if (!SipCSeq.TryParse(value, out var cseq))
                {
                    error = Error(SipParseErrorCode.InvalidCSeq, 400, "CSeq is not a 32-bit number and a method", h.ValueStart, isRequest);
                    return false;
                }

                if (isRequest && !cseq.Method.SequenceEqual(s[..line.MethodLength]))
                {
                    // RFC 4475 mismatch01 (400); mismatch02 (unknown method): 501 is preferred.
                    var unknown = SipMethods.Classify(s[..line.MethodLength]) == SipMethod.Unknown;
                    error = Error(SipParseErrorCode.InvalidCSeq, unknown ? 501 : 400, "CSeq method differs from the request method", h.ValueStart, isRequest);
                    return false;
                }
            }
        }

        error = default;
        return true;
    }

    private static bool CheckList(ReadOnlySpan<byte> value, CheckElement check)
    {
        var e = new SipValueListEnumerator(value);
        var any = false;
        while (e.MoveNext())
        {
            any = true;
            if (!check(e.Current))
            {
                return false;
            }
        }

        return any && !e.IsInvalid;
    }

    private delegate bool CheckElement(ReadOnlySpan<byte> element);

    private static SipParseError Error(SipParseErrorCode code, int status, string message, int offset, bool isRequest) =>
        new(code, isRequest ? status : 0, message, offset);
}
