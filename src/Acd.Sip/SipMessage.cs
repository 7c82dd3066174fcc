using System.Runtime.InteropServices;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Text;
using Acd.Sip.Uri;

namespace Acd.Sip;

/// <summary>
/// A parsed request or response. It keeps the received bytes (<see cref="Buffer"/>, not copied) and an index
/// of header fields; typed accessors parse the indexed value span on demand without allocating, and strings
/// are only made when a caller asks (e.g. <see cref="GetCallIdString"/>). Created by <see cref="SipMessageParser"/>.
/// </summary>
public sealed class SipMessage
{
    private readonly SipHeaderField[] _headers;
    private readonly int _methodLength, _uriStart, _uriLength, _versionStart, _versionLength, _reasonStart, _reasonLength;

    internal SipMessage(ReadOnlyMemory<byte> buffer, SipHeaderField[] headers, in StartLine line, int bodyStart, int bodyLength, int contentLength, bool contentLengthConflict)
    {
        Buffer = buffer;
        _headers = headers;
        IsRequest = line.IsRequest;
        StatusCode = line.StatusCode;
        _methodLength = line.MethodLength;
        _uriStart = line.UriStart;
        _uriLength = line.UriLength;
        _versionStart = line.VersionStart;
        _versionLength = line.VersionLength;
        _reasonStart = line.ReasonStart;
        _reasonLength = line.ReasonLength;
        MethodKind = line.IsRequest ? SipMethods.Classify(buffer.Span[..line.MethodLength]) : SipMethod.Unknown;
        Body = buffer.Slice(bodyStart, bodyLength);
        ContentLength = contentLength;
        HasConflictingContentLength = contentLengthConflict;
    }

    /// <summary>The message bytes from the start line to the end of the body (leading CRLFs and trailing datagram octets excluded).</summary>
    public ReadOnlyMemory<byte> Buffer { get; }

    /// <summary>True for a request, false for a response.</summary>
    public bool IsRequest { get; }

    /// <summary>The request method token (empty for responses).</summary>
    public ReadOnlySpan<byte> Method => IsRequest ? Buffer.Span[.._methodLength] : default;

    /// <summary>The request method classified (<see cref="SipMethod.Unknown"/> for extensions and responses).</summary>
    public SipMethod MethodKind { get; }

    /// <summary>The Request-URI as written (empty for responses).</summary>
    public ReadOnlySpan<byte> RequestUri => Buffer.Span.Slice(_uriStart, _uriLength);

    /// <summary>The SIP-Version as written (always SIP/2.0 for a parsed message, any case).</summary>
    public ReadOnlySpan<byte> Version => Buffer.Span.Slice(_versionStart, _versionLength);

    /// <summary>The status code (100..699) of a response; 0 for requests.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase of a response as written (may be empty, may be UTF-8).</summary>
    public ReadOnlySpan<byte> ReasonPhrase => Buffer.Span.Slice(_reasonStart, _reasonLength);

    /// <summary>The body (Content-Length bytes, or the rest of a datagram without Content-Length).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The Content-Length value, or -1 when the header is absent (datagram only).</summary>
    public int ContentLength { get; }

    /// <summary>True when several Content-Length headers disagree (RFC 4475 mcl01); a UAS answers 400.</summary>
    public bool HasConflictingContentLength { get; }

    /// <summary>The header index, in message order.</summary>
    public ReadOnlySpan<SipHeaderField> Headers => _headers;

    /// <summary>Number of header fields.</summary>
    public int HeaderCount => _headers.Length;

    /// <summary>The name of a header field as written (compact or long, any case).</summary>
    public ReadOnlySpan<byte> GetName(scoped in SipHeaderField field) => Buffer.Span.Slice(field.NameStart, field.NameLength);

    /// <summary>The value of a header field as written (folds included: typed parsers treat them as LWS).</summary>
    public ReadOnlySpan<byte> GetValue(scoped in SipHeaderField field) => Buffer.Span.Slice(field.ValueStart, field.ValueLength);

    /// <summary>The value as memory (for zero-copy <see cref="SipUri"/> parsing and keeping).</summary>
    public ReadOnlyMemory<byte> GetValueMemory(scoped in SipHeaderField field) => Buffer.Slice(field.ValueStart, field.ValueLength);

    /// <summary>The whole raw header field, name to end of value including folds, without the final CRLF; echo it byte for byte.</summary>
    public ReadOnlySpan<byte> GetRawField(scoped in SipHeaderField field) => Buffer.Span[field.NameStart..field.LineEnd];

    /// <summary>The value as a string with folds replaced by one space (allocates).</summary>
    public string GetValueString(scoped in SipHeaderField field)
    {
        var v = GetValue(field);
        return field.IsFolded ? SipQuotedString.Unfold(v) : Encoding.UTF8.GetString(v);
    }

    /// <summary>Finds the first field with <paramref name="id"/>.</summary>
    public bool TryGetField(SipHeaderId id, out SipHeaderField field)
    {
        foreach (ref readonly var h in _headers.AsSpan())
        {
            if (h.Id == id)
            {
                field = h;
                return true;
            }
        }

        field = default;
        return false;
    }

    /// <summary>Finds the first field with an unknown name (ASCII case-insensitive), or a known one by its long name.</summary>
    public bool TryGetField(ReadOnlySpan<byte> name, out SipHeaderField field)
    {
        var id = SipHeaderNames.Lookup(name);
        if (id != SipHeaderId.Unknown)
        {
            return TryGetField(id, out field);
        }

        foreach (ref readonly var h in _headers.AsSpan())
        {
            if (h.Id == SipHeaderId.Unknown && Ascii.EqualsIgnoreCase(GetName(h), name))
            {
                field = h;
                return true;
            }
        }

        field = default;
        return false;
    }

    /// <summary>The first value of <paramref name="id"/>, or empty when absent.</summary>
    public ReadOnlySpan<byte> GetHeaderValue(SipHeaderId id) => TryGetField(id, out var f) ? GetValue(f) : default;

    /// <summary>Whether a header is present.</summary>
    public bool Contains(SipHeaderId id) => TryGetField(id, out _);

    /// <summary>Number of fields with <paramref name="id"/> (not comma-separated values).</summary>
    public int CountFields(SipHeaderId id)
    {
        var n = 0;
        foreach (ref readonly var h in _headers.AsSpan())
        {
            if (h.Id == id)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Enumerates every comma-separated value of every field with <paramref name="id"/>, in order, without allocating.</summary>
    public SipHeaderValueEnumerator GetValues(SipHeaderId id) => new(this, id);

    /// <summary>The top (first) Via value.</summary>
    public bool TryGetTopVia(out SipVia via)
    {
        foreach (var v in GetValues(SipHeaderId.Via))
        {
            return SipVia.TryParse(v, out via);
        }

        via = default;
        return false;
    }

    /// <summary>The From header.</summary>
    public bool TryGetFrom(out SipNameAddr from) => SipNameAddr.TryParse(GetHeaderValue(SipHeaderId.From), out from);

    /// <summary>The To header.</summary>
    public bool TryGetTo(out SipNameAddr to) => SipNameAddr.TryParse(GetHeaderValue(SipHeaderId.To), out to);

    /// <summary>The CSeq header.</summary>
    public bool TryGetCSeq(out SipCSeq cseq) => SipCSeq.TryParse(GetHeaderValue(SipHeaderId.CSeq), out cseq);

    /// <summary>The Call-ID value (empty when absent).</summary>
    public ReadOnlySpan<byte> CallId => GetHeaderValue(SipHeaderId.CallId);

    /// <summary>The Call-ID as a string (allocates).</summary>
    public string GetCallIdString() => Encoding.UTF8.GetString(CallId);

    /// <summary>Max-Forwards; false when absent, malformed or over 255 (RFC 4475 scalar02: treat as absent).</summary>
    public bool TryGetMaxForwards(out int hops)
    {
        hops = 0;
        if (!SipNumber.TryParseUInt32(SipChars.TrimLws(GetHeaderValue(SipHeaderId.MaxForwards)), out var v) || v > 255)
        {
            return false;
        }

        hops = (int)v;
        return true;
    }

    /// <summary>Expires header in seconds; overlarge values saturate at uint.MaxValue (callers clamp).</summary>
    public bool TryGetExpires(out uint seconds) => SipNumber.TryParseSaturated(SipChars.TrimLws(GetHeaderValue(SipHeaderId.Expires)), out seconds);

    /// <summary>The Content-Type header.</summary>
    public bool TryGetContentType(out SipMediaType type) => SipMediaType.TryParse(GetHeaderValue(SipHeaderId.ContentType), out type);

    /// <summary>Retry-After, Event, Replaces, Subscription-State (a head plus parameters).</summary>
    public bool TryGetTokenWithParameters(SipHeaderId id, out SipTokenWithParameters value) =>
        SipTokenWithParameters.TryParse(GetHeaderValue(id), out value);

    /// <summary>Refer-To (or any single name-addr header).</summary>
    public bool TryGetNameAddr(SipHeaderId id, out SipNameAddr value) => SipNameAddr.TryParse(GetHeaderValue(id), out value);

    /// <summary>WWW-Authenticate, Authorization, Proxy-Authenticate or Proxy-Authorization (first field).</summary>
    public bool TryGetAuth(SipHeaderId id, out SipAuthValue value) => SipAuthValue.TryParse(GetHeaderValue(id), out value);

    /// <summary>The Request-URI parsed without copying.</summary>
    public bool TryGetRequestUri(out SipUri uri) => TryGetUri(RequestUri, out uri);

    /// <summary>
    /// Parses a URI span that lies inside <see cref="Buffer"/> (e.g. <see cref="SipNameAddr.Uri"/>) without copying;
    /// a span from elsewhere is copied.
    /// </summary>
    public bool TryGetUri(ReadOnlySpan<byte> uriInMessage, out SipUri uri)
    {
        if (Buffer.Span.Overlaps(uriInMessage, out var offset) && offset >= 0 && offset + uriInMessage.Length <= Buffer.Length)
        {
            return SipUri.TryParse(Buffer.Slice(offset, uriInMessage.Length), out uri);
        }

        return SipUri.TryParse(uriInMessage, out uri);
    }

    /// <summary>Decodes the message as UTF-8 (diagnostics only; allocates).</summary>
    public override string ToString() => Encoding.UTF8.GetString(Buffer.Span);

    internal SipHeaderField[] RawHeaders => _headers;

    /// <summary>The start-line offsets found by the parser.</summary>
    [StructLayout(LayoutKind.Auto)]
    internal struct StartLine
    {
        public bool IsRequest;
        public int StatusCode, MethodLength, UriStart, UriLength, VersionStart, VersionLength, ReasonStart, ReasonLength;
    }
}
