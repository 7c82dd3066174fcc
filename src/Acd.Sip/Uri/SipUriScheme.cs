namespace Acd.Sip.Uri;

/// <summary>URI schemes the parser understands; anything else is kept opaque.</summary>
public enum SipUriScheme : byte
{
    /// <summary>An unknown scheme (isbn:, http:, soap.beep: ...), kept as an opaque string.</summary>
    Other = 0,

    /// <summary>sip: (RFC 3261).</summary>
    Sip,

    /// <summary>sips: (RFC 3261).</summary>
    Sips,

    /// <summary>tel: (RFC 3966).</summary>
    Tel,
}
