namespace Acd.Sip.Text;

/// <summary>
/// RFC 3261 %HEX escapes. Unescaping is done only when a caller asks and only once (never recursively:
/// "%25%34%31" becomes "%41", not "A").
/// </summary>
public static class SipEscaping
{
    /// <summary>
    /// Unescapes <paramref name="source"/> into <paramref name="destination"/> (which must be at least as long).
    /// A '%' not followed by two hex digits is copied as is. Returns the number of bytes written.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var w = 0;
        for (var i = 0; i < source.Length; i++)
        {
            var b = source[i];
            if (b == '%' && IsEscape(source, i))
            {
                destination[w++] = (byte)((SipChars.HexValue(source[i + 1]) << 4) | SipChars.HexValue(source[i + 2]));
                i += 2;
            }
            else
            {
                destination[w++] = b;
            }
        }

        return w;
    }

    /// <summary>Unescapes into a new array (allocates; for values that are kept, e.g. contact bindings).</summary>
    public static byte[] UnescapeToArray(ReadOnlySpan<byte> source)
    {
        var buffer = new byte[source.Length];
        var n = Unescape(source, buffer);
        return n == buffer.Length ? buffer : buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>Unescapes and decodes as UTF-8 (invalid sequences become U+FFFD).</summary>
    public static string UnescapeToString(ReadOnlySpan<byte> source)
    {
        if (source.IndexOf((byte)'%') < 0)
        {
            return System.Text.Encoding.UTF8.GetString(source);
        }

        return System.Text.Encoding.UTF8.GetString(UnescapeToArray(source));
    }

    /// <summary>True when the unescaped form of <paramref name="escaped"/> equals <paramref name="plain"/>, ASCII case-insensitively. Does not allocate.</summary>
    public static bool EqualsUnescapedIgnoreCase(ReadOnlySpan<byte> escaped, ReadOnlySpan<byte> plain)
    {
        var j = 0;
        for (var i = 0; i < escaped.Length; i++, j++)
        {
            if (j >= plain.Length)
            {
                return false;
            }

            var b = escaped[i];
            if (b == '%' && IsEscape(escaped, i))
            {
                b = (byte)((SipChars.HexValue(escaped[i + 1]) << 4) | SipChars.HexValue(escaped[i + 2]));
                i += 2;
            }

            if (ToLower(b) != ToLower(plain[j]))
            {
                return false;
            }
        }

        return j == plain.Length;
    }

    private static bool IsEscape(ReadOnlySpan<byte> s, int i) =>
        i + 2 < s.Length && SipChars.IsHex(s[i + 1]) && SipChars.IsHex(s[i + 2]);

    private static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
}
