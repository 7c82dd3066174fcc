namespace Acd.Sip.Text;

/// <summary>Overflow-checked decimal parsing of the grammar's 1*DIGIT fields. Never throws.</summary>
public static class SipNumber
{
    /// <summary>Parses 1*DIGIT (leading zeros allowed) into a uint; false when empty, not all digits, or over 2^32-1.</summary>
    public static bool TryParseUInt32(ReadOnlySpan<byte> digits, out uint value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        ulong acc = 0;
        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9)
            {
                return false;
            }

            acc = (acc * 10) + d;
            if (acc > uint.MaxValue)
            {
                return false;
            }
        }

        value = (uint)acc;
        return true;
    }

    /// <summary>Parses 1*DIGIT into a non-negative int; false when empty, not all digits, or over int.MaxValue.</summary>
    public static bool TryParseInt32(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        if (!TryParseUInt32(digits, out var v) || v > int.MaxValue)
        {
            return false;
        }

        value = (int)v;
        return true;
    }

    /// <summary>
    /// Parses delta-seconds, saturating at uint.MaxValue instead of failing on overflow (RFC 3261 allows
    /// treating overlarge expiries as a local default; callers clamp). False when not all digits.
    /// </summary>
    public static bool TryParseSaturated(ReadOnlySpan<byte> digits, out uint value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        ulong acc = 0;
        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9)
            {
                return false;
            }

            acc = Math.Min((acc * 10) + d, uint.MaxValue);
        }

        value = (uint)acc;
        return true;
    }

    /// <summary>Number of bytes needed to write <paramref name="value"/> in decimal.</summary>
    public static int DigitCount(uint value)
    {
        var n = 1;
        while (value >= 10)
        {
            value /= 10;
            n++;
        }

        return n;
    }
}
