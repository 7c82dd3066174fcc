using System.Net;
using Acd.Media.Codecs;

namespace Acd.Media.Sdp;

/// <summary>What a leg offers or accepts: its RTP address and port and its codec preference.</summary>
public sealed record LocalMediaOptions
{
    /// <summary>The address written into c= and o= (the address of the RTP socket as the peer must reach it).</summary>
    public required string Address { get; init; }

    /// <summary>The leg's RTP port (even; RTCP on the next port).</summary>
    public required int Port { get; init; }

    /// <summary>Codecs in preference order.</summary>
    public IReadOnlyList<G711Law> Codecs { get; init; } = [G711Law.MuLaw, G711Law.ALaw];

    /// <summary>Offer/accept RFC 4733 telephone-event/8000.</summary>
    public bool TelephoneEvents { get; init; } = true;

    /// <summary>Dynamic payload type used for telephone-event in our offers.</summary>
    public byte TelephoneEventPayloadType { get; init; } = 101;

    /// <summary>Packetisation time we send, in ms.</summary>
    public int Ptime { get; init; } = 20;

    /// <summary>Every problem with these options, with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(Address, out _))
        {
            errors.Add($"{nameof(LocalMediaOptions)}.{nameof(Address)}: '{Address}' is not an IP address.");
        }

        if (Port is <= 0 or > 65534 || Port % 2 != 0)
        {
            errors.Add($"{nameof(LocalMediaOptions)}.{nameof(Port)}: {Port} is not an even port in 2-65534.");
        }

        if (Codecs.Count == 0)
        {
            errors.Add($"{nameof(LocalMediaOptions)}.{nameof(Codecs)}: at least one codec is required.");
        }

        if (TelephoneEventPayloadType is < 96 or > 127)
        {
            errors.Add($"{nameof(LocalMediaOptions)}.{nameof(TelephoneEventPayloadType)}: {TelephoneEventPayloadType} is not a dynamic payload type (96-127).");
        }

        if (Ptime is < 10 or > 60 || Ptime % 10 != 0)
        {
            errors.Add($"{nameof(LocalMediaOptions)}.{nameof(Ptime)}: {Ptime} ms is not 10-60 in steps of 10.");
        }

        return errors;
    }
}

/// <summary>The media a leg agreed: what the RTP session is configured with.</summary>
public sealed record NegotiatedMedia
{
    /// <summary>The codec both sides send.</summary>
    public required G711Law Codec { get; init; }

    /// <summary>The codec's payload type (0 or 8).</summary>
    public byte PayloadType => (byte)Codec;

    /// <summary>The telephone-event payload type the peer uses, when agreed.</summary>
    public byte? TelephoneEventPayloadType { get; init; }

    /// <summary>The peer's RTP endpoint; null when the peer gave 0.0.0.0 (legacy hold) or no usable address.</summary>
    public IPEndPoint? Remote { get; init; }

    /// <summary>Our direction: whether we send and whether we expect to receive.</summary>
    public required SdpDirection Direction { get; init; }

    /// <summary>The peer's ptime, when given.</summary>
    public int? RemotePtime { get; init; }

    /// <summary>We may send media.</summary>
    public bool CanSend => Direction is SdpDirection.SendRecv or SdpDirection.SendOnly;

    /// <summary>We expect media.</summary>
    public bool CanReceive => Direction is SdpDirection.SendRecv or SdpDirection.RecvOnly;
}

/// <summary>An offer/answer outcome: a description and the negotiated media, or a SIP status and reason.</summary>
public sealed record SdpNegotiationResult
{
    /// <summary>Our SDP (the answer we send); null after processing an answer or on failure.</summary>
    public SdpSession? Local { get; init; }

    /// <summary>The agreed media; null on failure.</summary>
    public NegotiatedMedia? Media { get; init; }

    /// <summary>200 on success; 488 Not Acceptable Here when nothing is common.</summary>
    public int StatusCode { get; init; } = 200;

    /// <summary>Why negotiation failed.</summary>
    public string? Error { get; init; }

    /// <summary>Whether negotiation succeeded.</summary>
    public bool Success => Media is not null;

    internal static SdpNegotiationResult NotAcceptable(string error) => new() { StatusCode = 488, Error = error };
}

/// <summary>
/// One leg's side of RFC 3264 offer/answer: makes offers (agent and outbound legs, hold/resume re-INVITEs),
/// answers offers, accepts answers. Keeps the o= line: same session id for the dialog, version incremented
/// whenever the description changes (RFC 3264 8). Pure.
/// </summary>
public sealed class SdpNegotiator
{
    private readonly ulong _sessionId;
    private ulong _version;
    private string? _lastBody;
    private SdpSession? _pendingOffer;

    /// <summary>Creates the negotiator of a leg. The session id should be random or time based (RFC 4566 5.2).</summary>
    public SdpNegotiator(LocalMediaOptions options, ulong sessionId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
        _sessionId = sessionId;
        _version = sessionId;
    }

    /// <summary>The local options (replace with <see cref="UpdateLocal"/>, e.g. after moving the leg).</summary>
    public LocalMediaOptions Options { get; private set; }

    /// <summary>The current o= version.</summary>
    public ulong Version => _version;

    /// <summary>Changes the local address/port/codecs; the next description gets a new version.</summary>
    public void UpdateLocal(LocalMediaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
    }

    /// <summary>Makes an offer (initial INVITE, or re-INVITE: sendonly to hold, sendrecv to resume).</summary>
    public SdpSession CreateOffer(SdpDirection direction = SdpDirection.SendRecv)
    {
        var formats = new List<SdpFormat>();
        foreach (var codec in Options.Codecs)
        {
            formats.Add(CodecFormat(codec));
        }

        if (Options.TelephoneEvents)
        {
            formats.Add(new SdpFormat(Options.TelephoneEventPayloadType, "telephone-event", 8000, "0-16"));
        }

        var offer = Describe(formats, Options.Port, direction);
        _pendingOffer = offer;
        return offer;
    }

    /// <summary>Answers a peer's offer; 488 when no audio stream has a common codec.</summary>
    public SdpNegotiationResult AnswerOffer(SdpSession offer, SdpDirection localDirection = SdpDirection.SendRecv)
    {
        ArgumentNullException.ThrowIfNull(offer);
        NegotiatedMedia? chosen = null;
        var answered = new List<SdpMedia>(offer.Media.Count);
        foreach (var media in offer.Media)
        {
            if (chosen is null && media.Port != 0 && media.Kind == "audio" && media.Protocol == "RTP/AVP"
                && TrySelect(media, offer, out var codec, out var telephoneEvent, out var remote))
            {
                var offered = offer.DirectionOf(media);
                var peerReceives = offered is SdpDirection.SendRecv or SdpDirection.RecvOnly && remote is not null;
                var peerSends = offered is SdpDirection.SendRecv or SdpDirection.SendOnly;
                var direction = Combine(localDirection, peerReceives, peerSends);
                chosen = new NegotiatedMedia
                {
                    Codec = codec,
                    TelephoneEventPayloadType = telephoneEvent?.PayloadType is { } pt ? (byte)pt : null,
                    Remote = remote,
                    Direction = direction,
                    RemotePtime = media.Ptime,
                };
                var formats = new List<SdpFormat> { CodecFormat(codec) };
                if (telephoneEvent is not null)
                {
                    formats.Add(telephoneEvent with { Parameters = telephoneEvent.Parameters ?? "0-16" });
                }

                answered.Add(new SdpMedia { Kind = "audio", Port = Options.Port, Formats = formats, Ptime = Options.Ptime, Direction = direction });
            }
            else
            {
                // Rejected stream: same m= line with port 0 (RFC 3264 6).
                answered.Add(new SdpMedia { Kind = media.Kind, Port = 0, Protocol = media.Protocol, FormatTokens = media.FormatTokens.Count > 0 ? media.FormatTokens : ["0"] });
            }
        }

        if (chosen is null)
        {
            return SdpNegotiationResult.NotAcceptable(offer.Media.Any(m => m.Kind == "audio" && m.Port != 0)
                ? "No common audio codec: we accept PCMU/8000 and PCMA/8000."
                : "The offer has no active RTP/AVP audio stream.");
        }

        var answer = Describe(answered);
        _pendingOffer = null;
        return new SdpNegotiationResult { Local = answer, Media = chosen };
    }

    /// <summary>Reads the peer's answer to our last offer.</summary>
    public SdpNegotiationResult AcceptAnswer(SdpSession answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (_pendingOffer is null)
        {
            return SdpNegotiationResult.NotAcceptable("No offer is outstanding.");
        }

        var offerDirection = _pendingOffer.DirectionOf(_pendingOffer.Media[0]);
        _pendingOffer = null;
        foreach (var media in answer.Media)
        {
            if (media.Port == 0 || media.Kind != "audio")
            {
                continue;
            }

            if (!TrySelect(media, answer, out var codec, out var telephoneEvent, out var remote))
            {
                break;
            }

            var answered = answer.DirectionOf(media);
            var peerReceives = answered is SdpDirection.SendRecv or SdpDirection.RecvOnly && remote is not null;
            var peerSends = answered is SdpDirection.SendRecv or SdpDirection.SendOnly;
            return new SdpNegotiationResult
            {
                Media = new NegotiatedMedia
                {
                    Codec = codec,
                    TelephoneEventPayloadType = telephoneEvent?.PayloadType is { } pt ? (byte)pt : null,
                    Remote = remote,
                    Direction = Combine(offerDirection, peerReceives, peerSends),
                    RemotePtime = media.Ptime,
                },
            };
        }

        return SdpNegotiationResult.NotAcceptable("The answer accepted no audio stream with a codec we offered.");
    }

    private bool TrySelect(SdpMedia media, SdpSession session, out G711Law codec, out SdpFormat? telephoneEvent, out IPEndPoint? remote)
    {
        codec = default;
        telephoneEvent = null;
        remote = null;
        var found = false;
        foreach (var format in media.Formats)
        {
            if (!found && format.Is("PCMU", 8000) && Options.Codecs.Contains(G711Law.MuLaw) && format.PayloadType == 0)
            {
                codec = G711Law.MuLaw;
                found = true;
            }
            else if (!found && format.Is("PCMA", 8000) && Options.Codecs.Contains(G711Law.ALaw) && format.PayloadType == 8)
            {
                codec = G711Law.ALaw;
                found = true;
            }
            else if (telephoneEvent is null && Options.TelephoneEvents && format.Is("telephone-event", 8000))
            {
                telephoneEvent = format;
            }
        }

        if (!found)
        {
            return false;
        }

        var address = session.AddressOf(media);
        if (address is not null && IPAddress.TryParse(address, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
        {
            remote = new IPEndPoint(ip, media.Port);
        }

        return true;
    }

    private static SdpDirection Combine(SdpDirection local, bool peerReceives, bool peerSends)
    {
        var send = local is SdpDirection.SendRecv or SdpDirection.SendOnly && peerReceives;
        var receive = local is SdpDirection.SendRecv or SdpDirection.RecvOnly && peerSends;
        return (send, receive) switch
        {
            (true, true) => SdpDirection.SendRecv,
            (true, false) => SdpDirection.SendOnly,
            (false, true) => SdpDirection.RecvOnly,
            _ => SdpDirection.Inactive,
        };
    }

    private static SdpFormat CodecFormat(G711Law codec) => codec == G711Law.MuLaw ? new SdpFormat(0, "PCMU", 8000) : new SdpFormat(8, "PCMA", 8000);

    private SdpSession Describe(List<SdpFormat> formats, int port, SdpDirection direction) =>
        Describe([new SdpMedia { Kind = "audio", Port = port, Formats = formats, Ptime = Options.Ptime, Direction = direction }]);

    private SdpSession Describe(List<SdpMedia> media)
    {
        var session = new SdpSession
        {
            SessionId = _sessionId,
            Version = _version,
            OriginAddress = Options.Address,
            ConnectionAddress = Options.Address,
            Media = media,
        };
        var body = session.ToString();
        var withoutOrigin = body[body.IndexOf("s=", StringComparison.Ordinal)..];
        if (_lastBody is not null && withoutOrigin != _lastBody)
        {
            _version++;
            session = session with { Version = _version };
        }

        _lastBody = withoutOrigin;
        return session;
    }
}
