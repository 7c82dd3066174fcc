namespace Acd.Media.Dtmf;

/// <summary>Where a digit came from.</summary>
public enum DtmfSource
{
    /// <summary>RFC 4733 telephone-event packets.</summary>
    Rfc4733,

    /// <summary>SIP INFO (application/dtmf-relay or application/dtmf).</summary>
    SipInfo,

    /// <summary>In-band tones detected in the audio.</summary>
    InBand,
}

/// <summary>A digit pressed, as the call layer sees it.</summary>
public readonly record struct DtmfDigit(char Digit, DtmfSource Source, TimeSpan Duration);

/// <summary>RFC 4733 event codes 0-15 and the characters they stand for.</summary>
public static class DtmfDigits
{
    private const string Characters = "0123456789*#ABCD";

    /// <summary>The event code of a digit character (case-insensitive A-D), or -1.</summary>
    public static int ToEvent(char digit)
    {
        var upper = char.ToUpperInvariant(digit);
        return Characters.IndexOf(upper, StringComparison.Ordinal);
    }

    /// <summary>The character of an event code 0-15, or '\0' for other events (flash, tones).</summary>
    public static char FromEvent(int code) => code is >= 0 and < 16 ? Characters[code] : '\0';

    /// <summary>Whether a character is a DTMF digit.</summary>
    public static bool IsDigit(char c) => ToEvent(c) >= 0;
}
