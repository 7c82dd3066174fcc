namespace Acd.Sip.Validation;

/// <summary>Why a request is rejected before any dialog logic.</summary>
public enum SipRejectReason : byte
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>Call-ID, From, To or CSeq missing, or one of them (or Max-Forwards) present several times.</summary>
    MissingOrRepeatedHeader,

    /// <summary>CSeq method differs from the request method.</summary>
    CSeqMismatch,

    /// <summary>Several Content-Length values disagree.</summary>
    ConflictingContentLength,

    /// <summary>The top Via branch is the bare magic cookie "z9hG4bK".</summary>
    EmptyBranch,

    /// <summary>A REGISTER whose To URI is not sip/sips.</summary>
    InvalidAddressOfRecord,

    /// <summary>The method is not implemented.</summary>
    MethodNotImplemented,

    /// <summary>The Request-URI scheme is not served.</summary>
    UnsupportedUriScheme,

    /// <summary>Require lists an option tag this UAS does not support.</summary>
    BadExtension,

    /// <summary>The body's Content-Type is not processed here.</summary>
    UnsupportedMediaType,

    /// <summary>Accept excludes application/sdp for a request that needs an SDP answer.</summary>
    NotAcceptable,

    /// <summary>The SIP-Version is not 2.0.</summary>
    VersionNotSupported,
}

/// <summary>
/// The answer a UAS gives a request before dialog logic: <see cref="StatusCode"/> 0 means go on; otherwise send
/// that status with <see cref="ReasonPhrase"/> and, when set, the extra header (<see cref="ExtraHeaderName"/>:
/// <see cref="ExtraHeaderValue"/>, e.g. Unsupported, Accept, Allow, Warning).
/// </summary>
public readonly record struct SipRequestVerdict(int StatusCode, string ReasonPhrase, SipRejectReason Reason, string? ExtraHeaderName = null, string? ExtraHeaderValue = null)
{
    /// <summary>The request may proceed.</summary>
    public static SipRequestVerdict Accept { get; } = new(0, string.Empty, SipRejectReason.None);

    /// <summary>True when the request may proceed.</summary>
    public bool IsAccepted => StatusCode == 0;
}
