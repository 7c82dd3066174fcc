using System.Buffers;
using System.Text;
using Acd.Sip.Writing;

namespace Acd.Sip.Ua;

/// <summary>The header values a UAC request is built from.</summary>
internal sealed record SipRequestParts
{
    public required string Method { get; init; }

    public required string RequestUri { get; init; }

    public required string Via { get; init; }

    public required string From { get; init; }

    public required string To { get; init; }

    public required string CallId { get; init; }

    public required uint CSeq { get; init; }

    public string? CSeqMethod { get; init; }

    public string? Contact { get; init; }

    public IReadOnlyList<string> Routes { get; init; } = [];

    public IReadOnlyList<SipHeader> Headers { get; init; } = [];

    public string? ContentType { get; init; }

    public ReadOnlyMemory<byte> Body { get; init; }

    public string? UserAgent { get; init; }
}

/// <summary>Serialises UAC requests (initial, in-dialog, ACK, CANCEL) with the message layer's writer.</summary>
internal static class SipRequestWriter
{
    public static byte[] Create(SipRequestParts parts)
    {
        var output = new ArrayBufferWriter<byte>(512 + parts.Body.Length);
        var writer = new SipMessageWriter(output);
        writer.WriteRequestLine(Encoding.ASCII.GetBytes(parts.Method), Encoding.UTF8.GetBytes(parts.RequestUri));
        writer.WriteHeader(SipHeaderId.Via, parts.Via);
        writer.WriteHeader(SipHeaderId.MaxForwards, 70u);
        foreach (var route in parts.Routes)
        {
            writer.WriteHeader(SipHeaderId.Route, route);
        }

        writer.WriteHeader(SipHeaderId.From, parts.From);
        writer.WriteHeader(SipHeaderId.To, parts.To);
        writer.WriteHeader(SipHeaderId.CallId, parts.CallId);
        writer.WriteCSeq(parts.CSeq, Encoding.ASCII.GetBytes(parts.CSeqMethod ?? parts.Method));
        if (parts.Contact is not null)
        {
            writer.WriteHeader(SipHeaderId.Contact, parts.Contact);
        }

        if (parts.UserAgent is not null)
        {
            writer.WriteHeader(SipHeaderId.UserAgent, parts.UserAgent);
        }

        foreach (var header in parts.Headers)
        {
            writer.WriteHeader(Encoding.ASCII.GetBytes(header.Name), Encoding.UTF8.GetBytes(header.Value));
        }

        if (parts.ContentType is not null && !parts.Body.IsEmpty)
        {
            writer.WriteHeader(SipHeaderId.ContentType, parts.ContentType);
        }

        writer.WriteBody(parts.Body.Span);
        return output.WrittenSpan.ToArray();
    }
}
