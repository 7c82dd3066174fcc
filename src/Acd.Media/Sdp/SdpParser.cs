using System.Globalization;
using System.Text;

namespace Acd.Media.Sdp;

/// <summary>A parse outcome: a session, or an error naming the line.</summary>
public readonly record struct SdpParseResult(SdpSession? Session, string? Error)
{
    /// <summary>Whether parsing succeeded.</summary>
    public bool Success => Session is not null;
}

/// <summary>
/// Parses RFC 4566 session descriptions as offered by phones: tolerant of LF-only line ends and unknown
/// attributes, strict on what negotiation depends on (v=, o=, m= syntax, connection addresses, payload types).
/// The body is small and parsed once per offer/answer, so the model uses strings.
/// </summary>
public static class SdpParser
{
    /// <summary>Bodies larger than this are refused (a voice SDP is a few hundred bytes).</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>Parses a UTF-8 body.</summary>
    public static SdpParseResult Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
        {
            return new SdpParseResult(null, $"SDP body of {body.Length} bytes exceeds {MaxBodyBytes}.");
        }

        return Parse(Encoding.UTF8.GetString(body));
    }

    /// <summary>Parses a body.</summary>
    public static SdpParseResult Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var lines = body.Split('\n');
        ulong sessionId = 0, version = 0;
        string? origin = null, username = null, sessionName = null, sessionConnection = null;
        SdpDirection? sessionDirection = null;
        var media = new List<SdpMedia>();
        MediaBuilder? current = null;
        var sawVersion = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var number = i + 1;
            if (line.Length < 2 || line[1] != '=')
            {
                return Fail(number, "is not of the form <type>=<value>");
            }

            var value = line[2..];
            switch (line[0])
            {
                case 'v':
                    if (value != "0")
                    {
                        return Fail(number, $"has unsupported version '{value}'");
                    }

                    sawVersion = true;
                    break;
                case 'o':
                    var o = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (o.Length != 6 || !ulong.TryParse(o[1], NumberStyles.None, CultureInfo.InvariantCulture, out sessionId)
                        || !ulong.TryParse(o[2], NumberStyles.None, CultureInfo.InvariantCulture, out version) || o[3] != "IN")
                    {
                        return Fail(number, "has a malformed o= origin");
                    }

                    username = o[0];
                    origin = o[5];
                    break;
                case 's':
                    sessionName = value;
                    break;
                case 'c':
                    if (!TryParseConnection(value, out var address))
                    {
                        return Fail(number, $"has a malformed c= connection '{value}'");
                    }

                    if (current is null)
                    {
                        sessionConnection = address;
                    }
                    else
                    {
                        current.Connection = address;
                    }

                    break;
                case 'm':
                    if (current is not null)
                    {
                        media.Add(current.Build());
                    }

                    var m = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var portText = m.Length > 1 ? m[1].Split('/')[0] : string.Empty;
                    if (m.Length < 4 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        return Fail(number, "has a malformed m= line");
                    }

                    current = new MediaBuilder(m[0], port, m[2], m[3..]);
                    if (current.IsRtp && current.PayloadTypes.Exists(pt => pt < 0))
                    {
                        return Fail(number, "lists a payload type that is not a number in 0-127");
                    }

                    break;
                case 'a':
                    var direction = ParseDirection(value);
                    if (direction is not null)
                    {
                        if (current is null)
                        {
                            sessionDirection = direction;
                        }
                        else
                        {
                            current.Direction = direction;
                        }
                    }
                    else if (current is not null && !current.AddAttribute(value))
                    {
                        return Fail(number, $"has a malformed attribute '{value}'");
                    }

                    break;
                default:
                    break;
            }
        }

        if (current is not null)
        {
            media.Add(current.Build());
        }

        if (!sawVersion)
        {
            return new SdpParseResult(null, "SDP has no v= line.");
        }

        if (origin is null)
        {
            return new SdpParseResult(null, "SDP has no o= line.");
        }

        foreach (var section in media)
        {
            if (section.Port != 0 && section.ConnectionAddress is null && sessionConnection is null)
            {
                return new SdpParseResult(null, $"SDP m={section.Kind} has no connection address at session or media level.");
            }
        }

        return new SdpParseResult(
            new SdpSession
            {
                Username = username ?? "-",
                SessionId = sessionId,
                Version = version,
                OriginAddress = origin,
                SessionName = sessionName ?? "-",
                ConnectionAddress = sessionConnection,
                Direction = sessionDirection,
                Media = media,
            },
            null);
    }

    private static SdpParseResult Fail(int line, string what) => new(null, $"SDP line {line} {what}.");

    private static bool TryParseConnection(string value, out string address)
    {
        address = string.Empty;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || parts[0] != "IN" || parts[1] is not ("IP4" or "IP6"))
        {
            return false;
        }

        // Multicast TTL/count suffixes are not used by phones; keep the address only.
        address = parts[2].Split('/')[0];
        return System.Net.IPAddress.TryParse(address, out _) || address.Length > 0 && !address.Contains(' ', StringComparison.Ordinal);
    }

    private static SdpDirection? ParseDirection(string value) => value switch
    {
        "sendrecv" => SdpDirection.SendRecv,
        "sendonly" => SdpDirection.SendOnly,
        "recvonly" => SdpDirection.RecvOnly,
        "inactive" => SdpDirection.Inactive,
        _ => null,
    };

    private sealed class MediaBuilder
    {
        private readonly Dictionary<int, SdpFormat> _maps = [];
        private readonly Dictionary<int, string> _fmtp = [];

        public MediaBuilder(string kind, int port, string protocol, string[] tokens)
        {
            Kind = kind;
            Port = port;
            Protocol = protocol;
            Tokens = tokens;
            IsRtp = protocol.StartsWith("RTP/", StringComparison.Ordinal);
            PayloadTypes = IsRtp
                ? tokens.Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) && pt <= 127 ? pt : -1).ToList()
                : [];
        }

        public string Kind { get; }

        public int Port { get; }

        public string Protocol { get; }

        public string[] Tokens { get; }

        public bool IsRtp { get; }

        public List<int> PayloadTypes { get; }

        public string? Connection { get; set; }

        public SdpDirection? Direction { get; set; }

        public int? Ptime { get; private set; }

        public bool AddAttribute(string value)
        {
            if (value.StartsWith("rtpmap:", StringComparison.Ordinal))
            {
                var rest = value["rtpmap:".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0 || !int.TryParse(rest.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var pt))
                {
                    return false;
                }

                var encoding = rest[(space + 1)..].Trim().Split('/');
                if (encoding.Length < 2 || !int.TryParse(encoding[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rate))
                {
                    return false;
                }

                _maps[pt] = new SdpFormat(pt, encoding[0], rate);
                return true;
            }

            if (value.StartsWith("fmtp:", StringComparison.Ordinal))
            {
                var rest = value["fmtp:".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0 || !int.TryParse(rest.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var pt))
                {
                    return false;
                }

                _fmtp[pt] = rest[(space + 1)..].Trim();
                return true;
            }

            if (value.StartsWith("ptime:", StringComparison.Ordinal))
            {
                if (!int.TryParse(value.AsSpan("ptime:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var ptime) || ptime is 0 or > 1000)
                {
                    return false;
                }

                Ptime = ptime;
            }

            return true;
        }

        public SdpMedia Build()
        {
            var formats = new List<SdpFormat>();
            foreach (var pt in PayloadTypes)
            {
                var format = _maps.TryGetValue(pt, out var mapped) ? mapped : SdpFormat.Static(pt);
                if (format is null)
                {
                    continue;
                }

                formats.Add(_fmtp.TryGetValue(pt, out var parameters) ? format with { Parameters = parameters } : format);
            }

            return new SdpMedia
            {
                Kind = Kind,
                Port = Port,
                Protocol = Protocol,
                Formats = formats,
                FormatTokens = Tokens,
                ConnectionAddress = Connection,
                Direction = Direction,
                Ptime = Ptime,
            };
        }
    }
}
