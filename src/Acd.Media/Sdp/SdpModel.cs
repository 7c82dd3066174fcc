using System.Globalization;
using System.Text;

namespace Acd.Media.Sdp;

/// <summary>Media direction attribute (RFC 3264 5.1, 6.1): the way hold and resume are signalled.</summary>
public enum SdpDirection
{
    /// <summary>Send and receive (the default).</summary>
    SendRecv,

    /// <summary>Send only (the sender of this SDP puts the other side on hold).</summary>
    SendOnly,

    /// <summary>Receive only.</summary>
    RecvOnly,

    /// <summary>Neither.</summary>
    Inactive,
}

/// <summary>One payload format of a media line: <c>a=rtpmap</c> and optional <c>a=fmtp</c>.</summary>
public sealed record SdpFormat(int PayloadType, string EncodingName, int ClockRate, string? Parameters = null)
{
    /// <summary>The static payload types of RFC 3551 that may appear without rtpmap.</summary>
    internal static SdpFormat? Static(int payloadType) => payloadType switch
    {
        0 => new SdpFormat(0, "PCMU", 8000),
        8 => new SdpFormat(8, "PCMA", 8000),
        _ => null,
    };

    /// <summary>Case-insensitive encoding name check (encoding names are case-insensitive, RFC 4566 6).</summary>
    public bool Is(string name, int clockRate) => string.Equals(EncodingName, name, StringComparison.OrdinalIgnoreCase) && ClockRate == clockRate;
}

/// <summary>One m= section.</summary>
public sealed record SdpMedia
{
    /// <summary>Media type, e.g. <c>audio</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Transport port; 0 rejects or disables the stream.</summary>
    public required int Port { get; init; }

    /// <summary>Transport protocol, e.g. <c>RTP/AVP</c>.</summary>
    public string Protocol { get; init; } = "RTP/AVP";

    /// <summary>Formats in the order listed on the m= line.</summary>
    public IReadOnlyList<SdpFormat> Formats { get; init; } = [];

    /// <summary>The raw format tokens of the m= line (kept for non-RTP media and rejection answers).</summary>
    public IReadOnlyList<string> FormatTokens { get; init; } = [];

    /// <summary>Media-level connection address (overrides the session's).</summary>
    public string? ConnectionAddress { get; init; }

    /// <summary>Media-level direction, when present.</summary>
    public SdpDirection? Direction { get; init; }

    /// <summary>Packetisation time in milliseconds, when present.</summary>
    public int? Ptime { get; init; }
}

/// <summary>A session description (RFC 4566), limited to what voice calls use.</summary>
public sealed record SdpSession
{
    /// <summary>Origin user name.</summary>
    public string Username { get; init; } = "-";

    /// <summary>Origin session id.</summary>
    public required ulong SessionId { get; init; }

    /// <summary>Origin session version; incremented on every change (RFC 3264 8).</summary>
    public required ulong Version { get; init; }

    /// <summary>Origin unicast address.</summary>
    public required string OriginAddress { get; init; }

    /// <summary>Session name.</summary>
    public string SessionName { get; init; } = "-";

    /// <summary>Session-level connection address.</summary>
    public string? ConnectionAddress { get; init; }

    /// <summary>Session-level direction, when present.</summary>
    public SdpDirection? Direction { get; init; }

    /// <summary>Media sections in order.</summary>
    public IReadOnlyList<SdpMedia> Media { get; init; } = [];

    /// <summary>The effective direction of a media section (media over session over sendrecv).</summary>
    public SdpDirection DirectionOf(SdpMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return media.Direction ?? Direction ?? SdpDirection.SendRecv;
    }

    /// <summary>The effective connection address of a media section.</summary>
    public string? AddressOf(SdpMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return media.ConnectionAddress ?? ConnectionAddress;
    }

    /// <summary>Serialises with CRLF line ends, in the order RFC 4566 5 requires.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(256);
        var ic = CultureInfo.InvariantCulture;
        sb.Append("v=0\r\n");
        sb.Append(ic, $"o={Username} {SessionId} {Version} IN {AddressType(OriginAddress)} {OriginAddress}\r\n");
        sb.Append(ic, $"s={SessionName}\r\n");
        if (ConnectionAddress is not null)
        {
            sb.Append(ic, $"c=IN {AddressType(ConnectionAddress)} {ConnectionAddress}\r\n");
        }

        sb.Append("t=0 0\r\n");
        if (Direction is { } sessionDirection)
        {
            sb.Append("a=").Append(DirectionToken(sessionDirection)).Append("\r\n");
        }

        foreach (var media in Media)
        {
            sb.Append(ic, $"m={media.Kind} {media.Port} {media.Protocol}");
            if (media.Formats.Count > 0)
            {
                foreach (var format in media.Formats)
                {
                    sb.Append(ic, $" {format.PayloadType}");
                }
            }
            else
            {
                foreach (var token in media.FormatTokens)
                {
                    sb.Append(' ').Append(token);
                }
            }

            sb.Append("\r\n");
            if (media.ConnectionAddress is not null)
            {
                sb.Append(ic, $"c=IN {AddressType(media.ConnectionAddress)} {media.ConnectionAddress}\r\n");
            }

            foreach (var format in media.Formats)
            {
                sb.Append(ic, $"a=rtpmap:{format.PayloadType} {format.EncodingName}/{format.ClockRate}\r\n");
                if (format.Parameters is not null)
                {
                    sb.Append(ic, $"a=fmtp:{format.PayloadType} {format.Parameters}\r\n");
                }
            }

            if (media.Ptime is { } ptime)
            {
                sb.Append(ic, $"a=ptime:{ptime}\r\n");
            }

            if (media.Direction is { } direction)
            {
                sb.Append("a=").Append(DirectionToken(direction)).Append("\r\n");
            }
        }

        return sb.ToString();
    }

    internal static string DirectionToken(SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    private static string AddressType(string address) => address.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
}
