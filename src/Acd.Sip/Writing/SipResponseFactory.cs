using System.Buffers;
using Acd.Sip.Headers;

namespace Acd.Sip.Writing;

/// <summary>Builds responses from a parsed request (RFC 3261 section 8.2.6.2).</summary>
public static class SipResponseFactory
{
    /// <summary>
    /// Writes the status line and copies Via (all, in order), From, To, Call-ID and CSeq byte for byte from
    /// <paramref name="request"/>; when the To header has no tag and <paramref name="toTag"/> is not empty,
    /// ";tag=" is appended. The caller then adds its own headers and ends with <see cref="SipMessageWriter.WriteBody"/>.
    /// </summary>
    public static SipMessageWriter WriteResponseStart(IBufferWriter<byte> output, SipMessage request, int statusCode, ReadOnlySpan<byte> reasonPhrase, ReadOnlySpan<byte> toTag)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsRequest)
        {
            throw new ArgumentException("a response is built from a request", nameof(request));
        }

        var writer = new SipMessageWriter(output);
        writer.WriteStatusLine(statusCode, reasonPhrase);
        foreach (ref readonly var f in request.Headers)
        {
            if (f.Id == SipHeaderId.Via)
            {
                writer.WriteRawField(request, f);
            }
        }

        foreach (var id in (ReadOnlySpan<SipHeaderId>)[SipHeaderId.From, SipHeaderId.To, SipHeaderId.CallId, SipHeaderId.CSeq])
        {
            if (!request.TryGetField(id, out var field))
            {
                continue;
            }

            if (id == SipHeaderId.To && !toTag.IsEmpty && SipNameAddr.TryParse(request.GetValue(field), out var to) && !to.HasTag)
            {
                writer.WriteRawFieldWithTag(request, field, toTag);
            }
            else
            {
                writer.WriteRawField(request, field);
            }
        }

        return writer;
    }

    /// <summary>A complete response without body (Content-Length: 0) as a new array.</summary>
    public static byte[] CreateResponse(SipMessage request, int statusCode, string reasonPhrase, string? toTag = null)
    {
        ArgumentNullException.ThrowIfNull(reasonPhrase);
        var output = new ArrayBufferWriter<byte>(512);
        var writer = WriteResponseStart(output, request, statusCode, System.Text.Encoding.UTF8.GetBytes(reasonPhrase),
            toTag is null ? default : System.Text.Encoding.ASCII.GetBytes(toTag));
        writer.WriteBody(default);
        return output.WrittenSpan.ToArray();
    }
}
