using System.Buffers;
using System.Net;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;
using Acd.Sip.Writing;

namespace Acd.Sip.Ua;

/// <summary>A header to add to a message: name and value as text.</summary>
/// <param name="Name">Header name (a token).</param>
/// <param name="Value">Header value (no CR/LF).</param>
public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// Builds responses from a parsed request (RFC 3261 8.2.6): every Via value on its own line with the top one
/// marked with received/rport for the source (18.2.1, RFC 3581), From, To (+tag), Call-ID and CSeq copied,
/// then extra headers and the body.
/// </summary>
internal static class SipResponseWriter
{
    public static byte[] Create(
        SipMessage request, in SipPeer source, int statusCode, string reasonPhrase, string? toTag,
        IReadOnlyList<SipHeader>? headers = null, string? contentType = null, ReadOnlySpan<byte> body = default, string? server = null)
    {
        var output = new ArrayBufferWriter<byte>(512 + body.Length);
        var writer = new SipMessageWriter(output);
        writer.WriteStatusLine(statusCode, Encoding.UTF8.GetBytes(reasonPhrase));
        var first = true;
        foreach (var value in request.GetValues(SipHeaderId.Via))
        {
            if (first)
            {
                first = false;
                writer.WriteHeader(SipHeaderId.Via, MarkTopVia(value, source));
            }
            else
            {
                writer.WriteHeader(SipHeaderId.Via, value);
            }
        }

        foreach (var id in (ReadOnlySpan<SipHeaderId>)[SipHeaderId.From, SipHeaderId.To, SipHeaderId.CallId, SipHeaderId.CSeq])
        {
            if (!request.TryGetField(id, out var field))
            {
                continue;
            }

            if (id == SipHeaderId.To && toTag is not null && SipNameAddr.TryParse(request.GetValue(field), out var to) && !to.HasTag)
            {
                writer.WriteRawFieldWithTag(request, field, Encoding.ASCII.GetBytes(toTag));
            }
            else
            {
                writer.WriteRawField(request, field);
            }
        }

        if (server is not null)
        {
            writer.WriteHeader(SipHeaderId.Server, server);
        }

        if (headers is not null)
        {
            foreach (var header in headers)
            {
                writer.WriteHeader(Encoding.ASCII.GetBytes(header.Name), Encoding.UTF8.GetBytes(header.Value));
            }
        }

        if (contentType is not null && !body.IsEmpty)
        {
            writer.WriteHeader(SipHeaderId.ContentType, contentType);
        }

        writer.WriteBody(body);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Adds ";received=" when the sent-by host is not the source address, and fills an empty ";rport".</summary>
    internal static string MarkTopVia(ReadOnlySpan<byte> value, in SipPeer source)
    {
        var text = Encoding.UTF8.GetString(value);
        if (source.Protocol != SipTransportProtocol.Udp && source.Protocol != SipTransportProtocol.Tcp)
        {
            return text;
        }

        if (!SipVia.TryParse(value, out var via))
        {
            return text;
        }

        var address = source.EndPoint.Address.IsIPv4MappedToIPv6 ? source.EndPoint.Address.MapToIPv4() : source.EndPoint.Address;
        var builder = new StringBuilder(text, text.Length + 48);
        if (via.HasRPort && via.RPort <= 0)
        {
            var index = FindParameter(text, "rport");
            if (index >= 0)
            {
                builder.Insert(index + ";rport".Length, "=" + source.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var host = Encoding.ASCII.GetString(via.Host).Trim('[', ']');
        if (via.Received.IsEmpty && (!IPAddress.TryParse(host, out var sentBy) || !sentBy.Equals(address) || via.HasRPort))
        {
            builder.Append(";received=").Append(address.ToString());
        }

        return builder.ToString();
    }

    private static int FindParameter(string text, string name)
    {
        var start = 0;
        while (true)
        {
            var index = text.IndexOf(";" + name, start, StringComparison.OrdinalIgnoreCase);
            if (index < 0)
            {
                return -1;
            }

            var end = index + 1 + name.Length;
            if (end == text.Length || text[end] is ';' or ' ' or '\t' or ',')
            {
                return index;
            }

            start = end;
        }
    }

    /// <summary>Where responses to a request go (RFC 3261 18.2.2 with RFC 3581 rport).</summary>
    internal static SipPeer ResponsePeer(in SipVia via, in SipPeer source)
    {
        if (source.IsReliable || via.HasRPort)
        {
            return source;
        }

        var port = via.Port > 0 ? via.Port : 5060;
        return source with { EndPoint = new IPEndPoint(source.EndPoint.Address, port) };
    }
}
