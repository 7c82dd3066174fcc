
namespace Acd.Sip.Ua;

/// <summary>How the SIP user agent core answers and identifies itself.</summary>
public sealed record SipUserAgentOptions
{
    /// <summary>Value of the Server and User-Agent headers (default "Acd").</summary>
    public string ProductName { get; init; } = "Acd";

    /// <summary>host:port written in our Via and Contact headers (default 127.0.0.1:5060).</summary>
    public string ContactAddress { get; init; } = "127.0.0.1:5060";

    /// <summary>
    /// Hosts (domains or addresses) this UA serves. A request whose Request-URI host is not among them would
    /// need forwarding: with Max-Forwards 0 it gets 483, otherwise 404 (Acd is not a proxy). Empty (the default)
    /// means "every host is ours".
    /// </summary>
    public IReadOnlyList<string> LocalDomains { get; init; } = [];

    /// <summary>REGISTER must carry valid digest credentials (default true).</summary>
    public bool AuthenticateRegister { get; init; } = true;

    /// <summary>The authenticated user must equal the To (address-of-record) user (default true).</summary>
    public bool RequireAuthUserMatchesAor { get; init; } = true;

    /// <summary>Test/benchmark mode: answer every new INVITE with 200 and <see cref="AutoAnswerSdp"/> at once.</summary>
    public bool AutoAnswer { get; init; }

    /// <summary>The SDP answered in <see cref="AutoAnswer"/> mode.</summary>
    public string AutoAnswerSdp { get; init; } =
        "v=0\r\no=acd 1 1 IN IP4 127.0.0.1\r\ns=acd\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";

    /// <summary>How many unanswered incoming calls may wait in <see cref="SipUserAgent.IncomingCalls"/> before new ones get 503 (default 1,000).</summary>
    public int IncomingCallQueue { get; init; } = 1_000;

    /// <summary>Every problem with the options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ProductName) || ProductName.AsSpan().ContainsAny("\r\n"))
        {
            errors.Add($"{nameof(ProductName)}: must be non-empty without CR/LF.");
        }

        var colon = ContactAddress?.LastIndexOf(':') ?? -1;
        if (ContactAddress is null || colon <= 0 || !int.TryParse(ContactAddress.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535
            || ContactAddress.AsSpan().ContainsAny(" \t\r\n;<>"))
        {
            errors.Add($"{nameof(ContactAddress)}: must be host:port (was '{ContactAddress}').");
        }

        if (LocalDomains is null)
        {
            errors.Add($"{nameof(LocalDomains)}: must not be null (use an empty list for any host).");
        }

        if (IncomingCallQueue < 1)
        {
            errors.Add($"{nameof(IncomingCallQueue)}: must be at least 1 (was {IncomingCallQueue}).");
        }

        if (AutoAnswer && string.IsNullOrEmpty(AutoAnswerSdp))
        {
            errors.Add($"{nameof(AutoAnswerSdp)}: required when {nameof(AutoAnswer)} is on.");
        }

        return errors;
    }
}
