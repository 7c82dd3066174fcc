namespace Acd.Calls.Inbound;

/// <summary>
/// Which external numbers an agent may transfer a caller to (contact-center file, <c>transfer.external_prefixes</c>):
/// a number is allowed when it starts with one of the prefixes (E.164, e.g. <c>+1800</c>). The default allows none.
/// </summary>
public sealed record TransferPolicy
{
    /// <summary>Allowed number prefixes (digits with an optional leading '+'); empty: no external transfers.</summary>
    public IReadOnlyList<string> ExternalPrefixes { get; init; } = [];

    /// <summary>Whether <paramref name="number"/> (digits with an optional leading '+', nothing else) may be dialled for a transfer.</summary>
    public bool AllowsExternal(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        if (!IsNumber(number))
        {
            return false;
        }

        foreach (var prefix in ExternalPrefixes)
        {
            if (number.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>1-16 characters: an optional '+' then digits.</summary>
    public static bool IsNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = text.StartsWith('+') ? text.AsSpan(1) : text.AsSpan();
        return digits.Length is > 0 and <= 15 && digits.IndexOfAnyExceptInRange('0', '9') < 0;
    }
}
