using System.Globalization;
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
    public static bool TryParse(string contentType, ReadOnlySpan<byte> body, out DtmfDigit digit)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        digit = default;
        if (body.Length > MaxBodyBytes)
        {
            return false;
        }

        var type = contentType.Split(';')[0].Trim();
        var text = Encoding.UTF8.GetString(body);
        if (type.Equals("application/dtmf", StringComparison.OrdinalIgnoreCase))
        {
            var trimmed = text.Trim();
            if (trimmed.Length == 1 && DtmfDigits.IsDigit(trimmed[0]))
            {
                digit = new DtmfDigit(char.ToUpperInvariant(trimmed[0]), DtmfSource.SipInfo, TimeSpan.FromMilliseconds(250));
                return true;
            }

            return int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && TryEvent(code, 250, out digit);
        }

        if (!type.Equals("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        char? signal = null;
        var duration = 250;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var name = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (name.Equals("Signal", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Length == 1 && DtmfDigits.IsDigit(value[0]))
                {
                    signal = char.ToUpperInvariant(value[0]);
                }
                else if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 10 and < 16)
                {
                    signal = DtmfDigits.FromEvent(code);
                }
                else
                {
                    return false;
                }
            }
            else if (name.Equals("Duration", StringComparison.OrdinalIgnoreCase)
                && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out duration) || duration > 60_000))
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

    private static bool TryEvent(int code, int durationMs, out DtmfDigit digit)
    {
        var c = DtmfDigits.FromEvent(code);
        digit = c == '\0' ? default : new DtmfDigit(c, DtmfSource.SipInfo, TimeSpan.FromMilliseconds(durationMs));
        return c != '\0';
    }
}
