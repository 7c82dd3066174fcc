namespace Acd.Sip.Validation;

/// <summary>What this UAS supports; drives <see cref="SipRequestValidator"/>. Validate with <see cref="Validate"/>.</summary>
public sealed record SipValidatorOptions
{
    /// <summary>Methods the UAS implements (others get 501 with Allow). Case-sensitive tokens.</summary>
    public IReadOnlyList<string> SupportedMethods { get; init; } =
        ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "PRACK", "UPDATE", "REFER", "NOTIFY", "SUBSCRIBE", "MESSAGE"];

    /// <summary>Option tags the UAS understands in Require (others get 420 with Unsupported).</summary>
    public IReadOnlyList<string> SupportedOptionTags { get; init; } = ["replaces", "timer", "path", "outbound", "norefersub"];

    /// <summary>Body types the UAS processes, "type/subtype" (others get 415 with Accept).</summary>
    public IReadOnlyList<string> SupportedContentTypes { get; init; } = ["application/sdp", "application/dtmf-relay", "message/sipfrag"];

    /// <summary>Request-URI schemes the UAS serves (others get 416).</summary>
    public IReadOnlyList<string> SupportedUriSchemes { get; init; } = ["sip", "sips", "tel"];

    /// <summary>Every configuration error, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(SupportedMethods, nameof(SupportedMethods), s => s.Length > 0 && s.All(c => c > ' ' && c < 127), errors);
        Check(SupportedOptionTags, nameof(SupportedOptionTags), s => s.Length > 0 && s.All(c => c > ' ' && c < 127), errors);
        Check(SupportedContentTypes, nameof(SupportedContentTypes), s => s.Count(c => c == '/') == 1 && !s.StartsWith('/') && !s.EndsWith('/'), errors);
        Check(SupportedUriSchemes, nameof(SupportedUriSchemes), s => s.Length > 0 && char.IsAsciiLetter(s[0]), errors);
        if (SupportedMethods is not null && !SupportedMethods.Contains("ACK", StringComparer.Ordinal))
        {
            errors.Add($"{nameof(SupportedMethods)}: must contain ACK (RFC 3261 requires every UA to accept it)");
        }

        return errors;
    }

    private static void Check(IReadOnlyList<string>? list, string name, Func<string, bool> valid, List<string> errors)
    {
        if (list is null)
        {
            errors.Add($"{name}: must not be null");
            return;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is null || !valid(list[i]))
            {
                errors.Add($"{name}[{i}]: '{list[i]}' is not a valid entry");
            }
        }
    }
}
