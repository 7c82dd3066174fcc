using System.Buffers;
using Acd.Sip.Text;

namespace Acd.Sip.Framing;

/// <summary>
/// Cuts SIP messages out of a byte stream (TCP/TLS) by the header terminator and Content-Length, over any
/// segmentation, and recognises RFC 5626 CRLF keep-alives. One instance per connection; not thread-safe.
/// It is resumable: after <see cref="SipFrameStatus.NeedMoreData"/> call again with the same buffer start plus
/// the new bytes (PipeReader: <c>AdvanceTo(buffer.Start, buffer.End)</c>); bytes already scanned are not scanned again.
/// After <see cref="SipFrameStatus.Error"/> the stream cannot be resynchronised and every later call returns the same error.
/// </summary>
public sealed class SipStreamFramer
{
    private static ReadOnlySpan<byte> HeaderTerminator => "\r\n\r\n"u8;

    private readonly SipParserLimits _limits;
    private readonly bool _reportLoneCrlfAsPong;
    private long _scanned;
    private SequencePosition _scanPosition;
    private int _tail; // the last three bytes scanned (low byte most recent), to match a terminator split across segments
    private long _frameLength = -1;
    private SipParseError _fault;

    /// <summary>Creates a framer.</summary>
    /// <param name="limits">Size limits (the header section and whole message are bounded by <see cref="SipParserLimits.MaxMessageBytes"/>).</param>
    /// <param name="reportLoneCrlfAsPong">
    /// True on the side that sends pings (a client flow): a lone CRLF at the end of the buffer is reported as
    /// <see cref="SipFrameStatus.Pong"/> at once. False (a server): it is held until the next byte shows whether a ping follows.
    /// </param>
    public SipStreamFramer(SipParserLimits limits, bool reportLoneCrlfAsPong = false)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _reportLoneCrlfAsPong = reportLoneCrlfAsPong;
    }

    /// <summary>True once framing failed.</summary>
    public bool IsFaulted => _fault.Code != SipParseErrorCode.None;

    /// <summary>Tries to cut the next frame from the start of <paramref name="buffer"/>, advancing it past what was consumed.</summary>
    public SipFrameStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame, out SipParseError error)
    {
        frame = default;
        error = _fault;
        if (IsFaulted)
        {
            return SipFrameStatus.Error;
        }

        if (_frameLength < 0)
        {
            if (_scanned == 0 && TryKeepAlive(ref buffer, out var keepAlive))
            {
                return keepAlive;
            }

            if (!TryFindFrameLength(buffer, out error))
            {
                return error.Code == SipParseErrorCode.None ? SipFrameStatus.NeedMoreData : Fail(error, out error);
            }
        }

        if (buffer.Length < _frameLength)
        {
            return SipFrameStatus.NeedMoreData;
        }

        frame = buffer.Slice(0, _frameLength);
        buffer = buffer.Slice(frame.End);
        _frameLength = -1;
        _scanned = 0;
        _tail = 0;
        return SipFrameStatus.Message;
    }

    private SipFrameStatus Fail(SipParseError e, out SipParseError error)
    {
        _fault = e;
        error = e;
        return SipFrameStatus.Error;
    }

    private bool TryKeepAlive(ref ReadOnlySequence<byte> buffer, out SipFrameStatus status)
    {
        status = SipFrameStatus.NeedMoreData;
        if (buffer.IsEmpty)
        {
            return true;
        }

        Span<byte> head = stackalloc byte[4];
        var n = (int)Math.Min(4, buffer.Length);
        buffer.Slice(0, n).CopyTo(head);
        head = head[..n];
        if (head[0] != '\r')
        {
            return false;
        }

        if (n >= 2 && head[1] != '\n')
        {
            return false; // a bare CR: let the header scan fail or find the message
        }

        if (n == 4 && head.SequenceEqual(HeaderTerminator))
        {
            buffer = buffer.Slice(4);
            status = SipFrameStatus.Ping;
            return true;
        }

        if (n >= 3 && head[2] != '\r')
        {
            buffer = buffer.Slice(2);
            status = SipFrameStatus.Pong;
            return true;
        }

        if (n == 2 && _reportLoneCrlfAsPong)
        {
            buffer = buffer.Slice(2);
            status = SipFrameStatus.Pong;
            return true;
        }

        if (n == 4)
        {
            // "\r\n\r" followed by something else: a pong, then a stray CR that the message scan will judge.
            buffer = buffer.Slice(2);
            status = SipFrameStatus.Pong;
            return true;
        }

        return true; // "\r", "\r\n" or "\r\n\r": wait for the next byte
    }

    private bool TryFindFrameLength(in ReadOnlySequence<byte> buffer, out SipParseError error)
    {
        error = default;
        var headerLength = ScanForHeaderEnd(buffer);
        if (headerLength < 0)
        {
            if (_scanned > _limits.MaxMessageBytes)
            {
                error = Error(buffer, SipParseErrorCode.MessageTooLarge, 513, "header section larger than the maximum message size", _limits.MaxMessageBytes);
            }

            return false;
        }

        if (headerLength > _limits.MaxMessageBytes)
        {
            error = Error(buffer, SipParseErrorCode.MessageTooLarge, 513, "header section larger than the maximum message size", _limits.MaxMessageBytes);
            return false;
        }

        var section = buffer.Slice(0, headerLength);
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> headers;
            if (section.IsSingleSegment)
            {
                headers = section.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)headerLength);
                section.CopyTo(rented);
                headers = rented.AsSpan(0, (int)headerLength);
            }

            if (!TryFindContentLength(headers, out var contentLength, out var code, out var offset))
            {
                var message = code switch
                {
                    SipParseErrorCode.MissingContentLength => "Content-Length is mandatory on a stream",
                    SipParseErrorCode.ConflictingContentLength => "Content-Length values disagree",
                    _ => "Content-Length is not a non-negative integer",
                };
                error = Error(buffer, code, 400, message, offset);
                return false;
            }

            if (contentLength > _limits.MaxBodyBytes || headerLength + contentLength > _limits.MaxMessageBytes)
            {
                error = Error(buffer, SipParseErrorCode.MessageTooLarge, 513, "message larger than the configured maximum", (int)headerLength);
                return false;
            }

            _frameLength = headerLength + contentLength;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Continues the search for CRLF CRLF where the previous call stopped (a stored position, so growing
    /// buffers of many small segments are scanned once: O(n) overall). Returns the header section length or -1.
    /// </summary>
    private long ScanForHeaderEnd(in ReadOnlySequence<byte> buffer)
    {
        var rest = _scanned == 0 ? buffer : buffer.Slice(_scanPosition);
        var position = rest.Start;
        Span<byte> seam = stackalloc byte[6];
        while (rest.TryGet(ref position, out var memory))
        {
            var span = memory.Span;
            if (span.IsEmpty)
            {
                continue;
            }

            // A terminator split across the previous bytes and this segment: search the seam (last 3 + first 3).
            var tailCount = (int)Math.Min(3, _scanned);
            if (tailCount > 0)
            {
                for (var k = 0; k < tailCount; k++)
                {
                    seam[k] = (byte)(_tail >> (8 * (tailCount - 1 - k)));
                }

                var head = Math.Min(3, span.Length);
                span[..head].CopyTo(seam[tailCount..]);
                var p = seam[..(tailCount + head)].IndexOf(HeaderTerminator);
                if (p >= 0)
                {
                    return Found(p + 4 - tailCount);
                }
            }

            var i = span.IndexOf(HeaderTerminator);
            if (i >= 0)
            {
                return Found(i + 4);
            }

            for (var k = Math.Max(0, span.Length - 3); k < span.Length; k++)
            {
                _tail = ((_tail << 8) | span[k]) & 0xFFFFFF;
            }

            _scanned += span.Length;
        }

        _scanPosition = buffer.End;
        return -1;

        long Found(int endInSpan)
        {
            var length = _scanned + endInSpan;
            _scanned = 0;
            _tail = 0;
            return length;
        }
    }

    /// <summary>Finds Content-Length ("l" compact form too, folds allowed) in a header section ending in CRLF CRLF.</summary>
    internal static bool TryFindContentLength(ReadOnlySpan<byte> headers, out int contentLength, out SipParseErrorCode code, out int offset)
    {
        contentLength = -1;
        code = SipParseErrorCode.MissingContentLength;
        offset = 0;
        var first = headers.IndexOf("\r\n"u8);
        var pos = first < 0 ? headers.Length : first + 2;
        while (pos < headers.Length)
        {
            var end = headers[pos..].IndexOf("\r\n"u8);
            if (end <= 0)
            {
                break;
            }

            var next = pos + end + 2;
            if ((headers[pos] | 0x20) is not ((byte)'c' or (byte)'l'))
            {
                pos = next; // only "Content-Length" and "l" matter; folds of other headers start with SP/HT and are skipped too
                continue;
            }

            var line = headers.Slice(pos, end);
            while (next < headers.Length && SipChars.IsWsp(headers[next]))
            {
                var more = headers[next..].IndexOf("\r\n"u8);
                if (more < 0)
                {
                    break;
                }

                line = headers.Slice(pos, next + more - pos);
                next += more + 2;
            }

            var colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                var id = SipHeaderNames.Lookup(SipChars.TrimEndLws(line[..colon]));
                if (id == SipHeaderId.ContentLength)
                {
                    if (!SipNumber.TryParseInt32(SipChars.TrimLws(line[(colon + 1)..]), out var value))
                    {
                        code = SipParseErrorCode.InvalidContentLength;
                        offset = pos;
                        return false;
                    }

                    if (contentLength >= 0 && value != contentLength)
                    {
                        code = SipParseErrorCode.ConflictingContentLength;
                        offset = pos;
                        return false;
                    }

                    contentLength = value;
                }
            }

            pos = next;
        }

        if (contentLength < 0)
        {
            offset = headers.Length;
            return false;
        }

        code = SipParseErrorCode.None;
        return true;
    }

    private static SipParseError Error(in ReadOnlySequence<byte> buffer, SipParseErrorCode code, int status, string message, int offset)
    {
        Span<byte> head = stackalloc byte[4];
        var n = (int)Math.Min(4, buffer.Length);
        buffer.Slice(0, n).CopyTo(head);
        var isResponse = head[..n].SequenceEqual("SIP/"u8);
        return new SipParseError(code, isResponse ? 0 : status, message, offset);
    }
}
