using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Acd.Sip.Text;

namespace Acd.Sip.Writing;

/// <summary>
/// Serialises a SIP message into an <see cref="IBufferWriter{T}"/>: start line, header fields, then the body
/// with a computed Content-Length. Header fields of a parsed message can be copied byte for byte
/// (<see cref="WriteRawField"/>). Arguments that would break framing (CR/LF in a value, a non-token name)
/// throw <see cref="ArgumentException"/>: they are programming errors, not received input.
/// </summary>
public readonly struct SipMessageWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private static ReadOnlySpan<byte> Version => "SIP/2.0"u8;

    private readonly IBufferWriter<byte> _output;

    /// <summary>Writes into <paramref name="output"/>.</summary>
    public SipMessageWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>"METHOD uri SIP/2.0" CRLF.</summary>
    public void WriteRequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> requestUri)
    {
        if (!SipChars.IsAllTokens(method))
        {
            throw new ArgumentException("method must be a token", nameof(method));
        }

        if (requestUri.IsEmpty || requestUri.IndexOfAny(" \r\n\t"u8) >= 0)
        {
            throw new ArgumentException("Request-URI must be non-empty without white space", nameof(requestUri));
        }

        Write(method);
        Write(" "u8);
        Write(requestUri);
        Write(" "u8);
        Write(Version);
        Write(Crlf);
    }

    /// <summary>"SIP/2.0 code reason" CRLF.</summary>
    public void WriteStatusLine(int statusCode, ReadOnlySpan<byte> reasonPhrase)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        CheckValue(reasonPhrase, nameof(reasonPhrase));
        Write(Version);
        Write(" "u8);
        WriteNumber((uint)statusCode);
        Write(" "u8);
        Write(reasonPhrase);
        Write(Crlf);
    }

    /// <summary>"Name: value" CRLF.</summary>
    public void WriteHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!SipChars.IsAllTokens(name))
        {
            throw new ArgumentException("header name must be a token", nameof(name));
        }

        CheckValue(value, nameof(value));
        Write(name);
        Write(": "u8);
        Write(value);
        Write(Crlf);
    }

    /// <summary>A known header under its canonical long name.</summary>
    public void WriteHeader(SipHeaderId id, ReadOnlySpan<byte> value) => WriteHeader(SipHeaderNames.GetName(id), value);

    /// <summary>A known header with a UTF-8 encoded string value.</summary>
    public void WriteHeader(SipHeaderId id, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var buffer = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(value, buffer);
        WriteHeader(id, buffer[..n]);
    }

    /// <summary>A known header with a decimal value (Max-Forwards, Expires...).</summary>
    public void WriteHeader(SipHeaderId id, uint value)
    {
        Write(SipHeaderNames.GetName(id));
        Write(": "u8);
        WriteNumber(value);
        Write(Crlf);
    }

    /// <summary>"CSeq: number METHOD" CRLF.</summary>
    public void WriteCSeq(uint number, ReadOnlySpan<byte> method)
    {
        if (!SipChars.IsAllTokens(method))
        {
            throw new ArgumentException("method must be a token", nameof(method));
        }

        Write("CSeq: "u8);
        WriteNumber(number);
        Write(" "u8);
        Write(method);
        Write(Crlf);
    }

    /// <summary>Copies a header field of a parsed message byte for byte (name, folds and all), then CRLF.</summary>
    public void WriteRawField(SipMessage message, in SipHeaderField field)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(message.GetRawField(field));
        Write(Crlf);
    }

    /// <summary>Copies a field and appends <c>;tag=</c><paramref name="tag"/> (a To header getting its tag).</summary>
    public void WriteRawFieldWithTag(SipMessage message, in SipHeaderField field, ReadOnlySpan<byte> tag)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!SipChars.IsAllTokens(tag))
        {
            throw new ArgumentException("tag must be a token", nameof(tag));
        }

        Write(message.GetRawField(field));
        Write(";tag="u8);
        Write(tag);
        Write(Crlf);
    }

    /// <summary>"Content-Length: n", the empty line and the body. Ends the message.</summary>
    public void WriteBody(ReadOnlySpan<byte> body)
    {
        Write("Content-Length: "u8);
        WriteNumber((uint)body.Length);
        Write(Crlf);
        Write(Crlf);
        Write(body);
    }

    /// <summary>Re-serialises a parsed message: its start line and every field raw (Content-Length recomputed), then its body.</summary>
    public void WriteMessage(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var s = message.Buffer.Span;
        Write(s[..s.IndexOf("\r\n"u8)]);
        Write(Crlf);
        foreach (ref readonly var f in message.Headers)
        {
            if (f.Id != SipHeaderId.ContentLength)
            {
                WriteRawField(message, f);
            }
        }

        WriteBody(message.Body.Span);
    }

    private void WriteNumber(uint value)
    {
        var span = _output.GetSpan(10);
        Utf8Formatter.TryFormat(value, span, out var written);
        _output.Advance(written);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    private static void CheckValue(ReadOnlySpan<byte> value, string name)
    {
        if (value.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            throw new ArgumentException("value must not contain CR or LF", name);
        }
    }
}
