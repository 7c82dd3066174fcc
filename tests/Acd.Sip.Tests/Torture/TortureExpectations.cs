namespace Acd.Sip.Tests.Torture;

/// <summary>
/// Expected outcome of every torture message, from INDEX.md (RFC 4475 sections 3.1-3.4, RFC 5118 section 4).
/// Parse: null = must parse; otherwise the error status (0 = discard silently, a response).
/// Validator: the status <c>SipRequestValidator</c> answers (0 = accept); null for responses.
/// </summary>
internal static class TortureExpectations
{
    public sealed record Expectation(int? ParseStatus, int? ValidatorStatus = 0);

    public static IReadOnlyDictionary<string, Expectation> All { get; } = new Dictionary<string, Expectation>(StringComparer.Ordinal)
    {
        // 3.1.1 valid: must parse. Unknown methods (intmeth, esc02) get 501 from an endpoint.
        ["valid/dblreq"] = new(null), ["valid/esc01"] = new(null), ["valid/esc02"] = new(null, 501),
        ["valid/escnull"] = new(null), ["valid/intmeth"] = new(null, 501), ["valid/longreq"] = new(null),
        ["valid/lwsdisp"] = new(null), ["valid/mpart01"] = new(null, 415), ["valid/noreason"] = new(null, null),
        ["valid/semiuri"] = new(null), ["valid/transports"] = new(null), ["valid/unreason"] = new(null, null),
        ["valid/wsinv"] = new(null),

        // 3.1.2 invalid: an error value with the status the RFC calls for; responses are discarded (0).
        ["invalid/badaspec"] = new(400), ["invalid/baddate"] = new(400), ["invalid/baddn"] = new(400),
        ["invalid/badinv01"] = new(400), ["invalid/badvers"] = new(505), ["invalid/bigcode"] = new(0),
        ["invalid/clerr"] = new(400), ["invalid/escruri"] = new(400), ["invalid/ltgtruri"] = new(400),
        ["invalid/lwsruri"] = new(400), ["invalid/lwsstart"] = new(400), ["invalid/mismatch01"] = new(400),
        ["invalid/mismatch02"] = new(501), ["invalid/ncl"] = new(400), ["invalid/quotbal"] = new(400),
        ["invalid/regbadct"] = new(400), ["invalid/scalar02"] = new(400), ["invalid/scalarlg"] = new(0),
        ["invalid/trws"] = new(400),

        // 3.2-3.4 semantic: parse, then the UAS answers.
        ["semantic/badbranch"] = new(null, 400), ["semantic/bcast"] = new(null, null), ["semantic/bext01"] = new(null, 420),
        ["semantic/cparam01"] = new(null), ["semantic/cparam02"] = new(null), ["semantic/insuf"] = new(null, 400),
        ["semantic/inv2543"] = new(null), ["semantic/invut"] = new(null, 415), ["semantic/mcl01"] = new(null, 400),
        ["semantic/multi01"] = new(null, 400), ["semantic/novelsc"] = new(null, 416), ["semantic/regaut01"] = new(null),
        ["semantic/regescrt"] = new(null), ["semantic/sdp01"] = new(null, 406), ["semantic/unkscm"] = new(null, 416),
        ["semantic/unksm2"] = new(null, 400), ["semantic/zeromf"] = new(null),

        // RFC 5118: all accepted except an IPv6 address without [] in the Request-URI.
        ["rfc5118/wire/ipv4-mapped-ipv6"] = new(null), ["rfc5118/wire/ipv6-bad"] = new(400),
        ["rfc5118/wire/ipv6-bug-abnf-3-colons"] = new(null), ["rfc5118/wire/ipv6-correct-abnf-2-colons"] = new(null),
        ["rfc5118/wire/ipv6-good"] = new(null), ["rfc5118/wire/ipv6-in-sdp"] = new(null),
        ["rfc5118/wire/mult-ip-in-header"] = new(null), ["rfc5118/wire/mult-ip-in-sdp"] = new(null),
        ["rfc5118/wire/port-ambiguous"] = new(null), ["rfc5118/wire/port-unambiguous"] = new(null),
        ["rfc5118/wire/via-received-param-no-delim"] = new(null), ["rfc5118/wire/via-received-param-with-delim"] = new(null),
    };
}
