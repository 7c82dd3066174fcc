using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Uri;

namespace Acd.Sip.Validation;

/// <summary>
/// The checks a UAS makes on a parsed request before dialog logic (RFC 3261 sections 8.1.1, 8.2.1-8.2.3,
/// 17.2.3; RFC 4475 section 3.3). Pure: the transaction layer sends the verdict it returns. Thread-safe.
/// </summary>
public sealed class SipRequestValidator
{
    private readonly SipValidatorOptions _options;
    private readonly HashSet<string> _methods;
    private readonly HashSet<string> _tags;
    private readonly string _allow;
    private readonly string _accept;

    /// <summary>Creates a validator; throws <see cref="ArgumentException"/> listing every error when the options are invalid.</summary>
    public SipRequestValidator(SipValidatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid SIP validator options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _methods = new HashSet<string>(options.SupportedMethods, StringComparer.Ordinal);
        _tags = new HashSet<string>(options.SupportedOptionTags, StringComparer.OrdinalIgnoreCase);
        _allow = string.Join(", ", options.SupportedMethods);
        _accept = string.Join(", ", options.SupportedContentTypes);
    }

    /// <summary>Judges a request in the order RFC 3261 section 8.2 gives.</summary>
    public SipRequestVerdict Validate(SipMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsRequest)
        {
            throw new ArgumentException("only requests are validated", nameof(request));
        }

        if (!Ascii.EqualsIgnoreCase(request.Version, "SIP/2.0"u8))
        {
            return new SipRequestVerdict(505, "Version Not Supported", SipRejectReason.VersionNotSupported);
        }

        if (request.CountFields(SipHeaderId.CallId) != 1 || request.CountFields(SipHeaderId.From) != 1 ||
            request.CountFields(SipHeaderId.To) != 1 || request.CountFields(SipHeaderId.CSeq) != 1 ||
            request.CountFields(SipHeaderId.MaxForwards) > 1 || !request.Contains(SipHeaderId.Via))
        {
            return BadRequest(SipRejectReason.MissingOrRepeatedHeader, "Missing or Repeated Mandatory Header");
        }

        if (request.HasConflictingContentLength)
        {
            return BadRequest(SipRejectReason.ConflictingContentLength, "Conflicting Content-Length");
        }

        if (!request.TryGetCSeq(out var cseq) || !cseq.Method.SequenceEqual(request.Method))
        {
            return BadRequest(SipRejectReason.CSeqMismatch, "CSeq Method Mismatch");
        }

        if (request.TryGetTopVia(out var via) && via.HasBranch && via.Branch.SequenceEqual(SipVia.MagicCookie))
        {
            return BadRequest(SipRejectReason.EmptyBranch, "Missing Transaction Identifier");
        }

        if (!_methods.Contains(Encoding.UTF8.GetString(request.Method)))
        {
            return new SipRequestVerdict(501, "Not Implemented", SipRejectReason.MethodNotImplemented, "Allow", _allow);
        }

        if (!request.TryGetRequestUri(out var ruri) || !SchemeSupported(ruri.SchemeName))
        {
            return new SipRequestVerdict(416, "Unsupported URI Scheme", SipRejectReason.UnsupportedUriScheme);
        }

        if (request.MethodKind == SipMethod.Register &&
            (!request.TryGetTo(out var to) || !request.TryGetUri(to.Uri, out var aor) || !aor.IsSip))
        {
            return BadRequest(SipRejectReason.InvalidAddressOfRecord, "Invalid Address of Record");
        }

        if (request.MethodKind is not (SipMethod.Ack or SipMethod.Cancel))
        {
            var unsupported = UnsupportedRequires(request);
            if (unsupported is not null)
            {
                return new SipRequestVerdict(420, "Bad Extension", SipRejectReason.BadExtension, "Unsupported", unsupported);
            }
        }

        if (!request.Body.IsEmpty && (!request.TryGetContentType(out var type) || !ContentTypeSupported(type)))
        {
            return new SipRequestVerdict(415, "Unsupported Media Type", SipRejectReason.UnsupportedMediaType, "Accept", _accept);
        }

        if (request.MethodKind == SipMethod.Invite && request.Contains(SipHeaderId.Accept) && !AcceptsSdp(request))
        {
            return new SipRequestVerdict(406, "Not Acceptable", SipRejectReason.NotAcceptable, "Warning", "399 - \"Only application/sdp bodies are supported\"");
        }

        return SipRequestVerdict.Accept;
    }

    private static SipRequestVerdict BadRequest(SipRejectReason reason, string phrase) => new(400, phrase, reason);

    private bool SchemeSupported(ReadOnlySpan<byte> scheme)
    {
        foreach (var s in _options.SupportedUriSchemes)
        {
            if (Ascii.EqualsIgnoreCase(scheme, s))
            {
                return true;
            }
        }

        return false;
    }

    private string? UnsupportedRequires(SipMessage request)
    {
        List<string>? unknown = null;
        foreach (var tag in request.GetValues(SipHeaderId.Require))
        {
            var name = Encoding.UTF8.GetString(tag);
            if (!_tags.Contains(name))
            {
                (unknown ??= []).Add(name);
            }
        }

        return unknown is null ? null : string.Join(", ", unknown);
    }

    private bool ContentTypeSupported(SipMediaType type)
    {
        foreach (var supported in _options.SupportedContentTypes)
        {
            var slash = supported.IndexOf('/', StringComparison.Ordinal);
            if (Ascii.EqualsIgnoreCase(type.Type, supported.AsSpan(0, slash)) && Ascii.EqualsIgnoreCase(type.Subtype, supported.AsSpan(slash + 1)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AcceptsSdp(SipMessage request)
    {
        foreach (var element in request.GetValues(SipHeaderId.Accept))
        {
            if (SipMediaType.TryParse(element, out var media) && media.Matches("application"u8, "sdp"u8))
            {
                return true;
            }
        }

        return false;
    }
}
