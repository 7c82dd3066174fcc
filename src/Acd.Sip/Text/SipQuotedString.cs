using System.Text;

namespace Acd.Sip.Text;

/// <summary>Turns a quoted-string (quotes included) into its text: quoted-pairs resolved, folds unfolded.</summary>
public static class SipQuotedString
{
    /// <summary>
    /// Returns the content of <paramref name="raw"/>: when it starts with '"', the quotes are removed and each
    /// quoted-pair "\x" becomes x; otherwise the bytes are taken as they are. CRLF folds become one space.
    /// Decoded as UTF-8 (allocates).
    /// </summary>
    public static string Unquote(ReadOnlySpan<byte> raw)
    {
        var quoted = raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"';
        return Decode(quoted ? raw[1..^1] : raw, quoted);
    }

    /// <summary>Replaces each CRLF fold (and the white space after it) with one space; quotes and backslashes are kept. Allocates.</summary>
    public static string Unfold(ReadOnlySpan<byte> raw) => Decode(raw, quoted: false);

    private static string Decode(ReadOnlySpan<byte> s, bool quoted)
    {
        if (s.IndexOfAny((byte)'\\', (byte)'\r') < 0)
        {
            return Encoding.UTF8.GetString(s);
        }

        var buffer = s.Length <= 512 ? stackalloc byte[s.Length] : new byte[s.Length];
        var w = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var b = s[i];
            if (quoted && b == '\\' && i + 1 < s.Length)
            {
                buffer[w++] = s[++i];
            }
            else if (b == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
            {
                i++;
                while (i + 1 < s.Length && SipChars.IsWsp(s[i + 1]))
                {
                    i++;
                }

                buffer[w++] = (byte)' ';
            }
            else
            {
                buffer[w++] = b;
            }
        }

        return Encoding.UTF8.GetString(buffer[..w]);
    }
}
