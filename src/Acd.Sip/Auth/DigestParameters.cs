using System.Text;

namespace Acd.Sip.Auth;

/// <summary>
/// The parameters of a Digest credentials or challenge header value (Authorization, Proxy-Authorization,
/// WWW-Authenticate, Proxy-Authenticate): <c>Digest name=token, name="quoted", ...</c>.
/// </summary>
public sealed class DigestParameters
{
    private readonly Dictionary<string, string> _values;

    private DigestParameters(Dictionary<string, string> values) => _values = values;

    /// <summary>Username (credentials).</summary>
    public string? Username => Get("username");

    /// <summary>Realm.</summary>
    public string? Realm => Get("realm");

    /// <summary>Nonce.</summary>
    public string? Nonce => Get("nonce");

    /// <summary>digest-uri (credentials).</summary>
    public string? Uri => Get("uri");

    /// <summary>request-digest (credentials).</summary>
    public string? Response => Get("response");

    /// <summary>The algorithm token as sent, or null.</summary>
    public string? Algorithm => Get("algorithm");

    /// <summary>cnonce (credentials).</summary>
    public string? CNonce => Get("cnonce");

    /// <summary>nonce-count, 8 hex digits (credentials).</summary>
    public string? NonceCount => Get("nc");

    /// <summary>qop (credentials: one value; challenge: a comma list).</summary>
    public string? Qop => Get("qop");

    /// <summary>opaque.</summary>
    public string? Opaque => Get("opaque");

    /// <summary>stale (challenge).</summary>
    public bool Stale => string.Equals(Get("stale"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Any parameter by name (case-insensitive), or null.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>
    /// Parses a header value that must start with the <c>Digest</c> scheme. Returns false for another scheme,
    /// a malformed list, a duplicate parameter or an unterminated quoted string.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> value, out DigestParameters? parameters)
    {
        parameters = null;
        value = value.Trim();
        if (value.Length < 7 || !value[..6].Equals("Digest", StringComparison.OrdinalIgnoreCase) || !IsLws(value[6]))
        {
            return false;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var rest = value[7..];
        while (true)
        {
            rest = rest.TrimStart();
            if (rest.IsEmpty)
            {
                break;
            }

            var eq = rest.IndexOf('=');
            if (eq <= 0)
            {
                return false;
            }

            var name = rest[..eq].Trim();
            if (name.IsEmpty || name.ContainsAny(" \t\",;"))
            {
                return false;
            }

            rest = rest[(eq + 1)..].TrimStart();
            string parsed;
            if (!rest.IsEmpty && rest[0] == '"')
            {
                var builder = new StringBuilder();
                var i = 1;
                var closed = false;
                for (; i < rest.Length; i++)
                {
                    var c = rest[i];
                    if (c == '\\' && i + 1 < rest.Length)
                    {
                        builder.Append(rest[++i]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        builder.Append(c);
                    }
                }

                if (!closed)
                {
                    return false;
                }

                parsed = builder.ToString();
                rest = rest[(i + 1)..].TrimStart();
            }
            else
            {
                var end = rest.IndexOf(',');
                var token = (end < 0 ? rest : rest[..end]).Trim();
                if (token.IsEmpty || token.ContainsAny(" \t\""))
                {
                    return false;
                }

                parsed = token.ToString();
                rest = end < 0 ? [] : rest[end..];
            }

            if (!values.TryAdd(name.ToString(), parsed))
            {
                return false;
            }

            if (rest.IsEmpty)
            {
                break;
            }

            if (rest[0] != ',')
            {
                return false;
            }

            rest = rest[1..];
        }

        parameters = new DigestParameters(values);
        return true;
    }

    private static bool IsLws(char c) => c is ' ' or '\t';

    /// <summary>Appends <c>name="value"</c> with quotes and backslashes escaped.</summary>
    internal static void AppendQuoted(StringBuilder builder, string name, string value)
    {
        builder.Append(name).Append("=\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        builder.Append('"');
    }
}
