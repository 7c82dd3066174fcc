using System.Text;

namespace Acd.Media.Dtmf;

/// <summary>
/// Parses the body of a SIP INFO carrying a digit: <c>application/dtmf-relay</c> (<c>Signal=5</c>,
/// <c>Duration=160</c> lines) and <c>application/dtmf</c> (the digit alone). Pure; the SIP layer passes the
/// Content-Type and body.
/// </summary>
public static class DtmfInfoParser
{
    /// <summary>Bodies larger than this are not DTMF.</summary>
    public const int MaxBodyBytes = 1024;

    /// <summary>Parses a body; false with nothing set when the content type is not DTMF or the body is malformed.</summary>
    /// <remarks>Works on the bytes (the bodies are ASCII): no string is allocated per digit.</remarks>
    public static bool TryParse(string contentType, ReadOnlySpan<byte> body, out DtmfDigit digit)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        digit = default;
        if (body.Length > MaxBodyBytes)
        {
            return false;
        }

        var type = contentType.AsSpan();
        var semicolon = type.IndexOf(';');
        type = (semicolon >= 0 ? type[..semicolon] : type).Trim();
        if (type.Equals("application/dtmf", StringComparison.OrdinalIgnoreCase))
        {
            var trimmed = body.Trim(" \t\r\n"u8);
            if (trimmed.Length == 1 && DtmfDigits.IsDigit((char)trimmed[0]))
            {
                digit = new DtmfDigit(char.ToUpperInvariant((char)trimmed[0]), DtmfSource.SipInfo, TimeSpan.FromMilliseconds(250));
                return true;
            }

            return TryNumber(trimmed, out var code) && TryEvent(code, 250, out digit);
        }

        if (!type.Equals("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        char? signal = null;
        var duration = 250;
        foreach (var range in body.Split((byte)'\n'))
        {
            var line = body[range].Trim(" \t\r"u8);
            var eq = line.IndexOf((byte)'=');
            if (eq <= 0)
            {
                continue;
            }

            var name = line[..eq].Trim(" \t"u8);
            var value = line[(eq + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Signal"u8))
            {
                if (value.Length == 1 && DtmfDigits.IsDigit((char)value[0]))
                {
                    signal = char.ToUpperInvariant((char)value[0]);
                }
                else if (TryNumber(value, out var code) && code is >= 10 and < 16)
                {
                    signal = DtmfDigits.FromEvent(code);
                }
                else
                {
                    return false;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Duration"u8) && (!TryNumber(value, out duration) || duration > 60_000))
            {
                return false;
            }
        }

        if (signal is not { } s)
        {
            return false;
        }

        digit = new DtmfDigit(s, DtmfSource.SipInfo, TimeSpan.FromMilliseconds(duration));
        return true;
    }

    // Digits only (no sign, no spaces), as NumberStyles.None did.
    private static bool TryNumber(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 9)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    private static bool TryEvent(int code, int durationMs, out DtmfDigit digit)
    {
        var c = DtmfDigits.FromEvent(code);
        digit = c == '\0' ? default : new DtmfDigit(c, DtmfSource.SipInfo, TimeSpan.FromMilliseconds(durationMs));
        return c != '\0';
    }
}
