using System.Security.Cryptography;
using System.Text;

namespace Acd.Sip.Auth;

/// <summary>Digest hash algorithms (RFC 8760: SHA-256 preferred, MD5 for older phones).</summary>
public enum DigestAlgorithm : byte
{
    /// <summary>MD5 (RFC 2617); the default when a challenge or credentials name no algorithm.</summary>
    Md5 = 0,

    /// <summary>SHA-256 (RFC 7616, RFC 8760).</summary>
    Sha256 = 1,
}

/// <summary>The digest arithmetic of RFC 2617 / RFC 7616: lowercase hex of H(data), HA1, HA2, response.</summary>
public static class DigestMath
{
    /// <summary>The token for the algorithm parameter: "MD5" or "SHA-256".</summary>
    public static string Token(DigestAlgorithm algorithm) => algorithm == DigestAlgorithm.Sha256 ? "SHA-256" : "MD5";

    /// <summary>Parses an algorithm token (case-insensitive); an absent token means MD5.</summary>
    public static bool TryParse(ReadOnlySpan<char> token, out DigestAlgorithm algorithm)
    {
        if (token.IsEmpty || token.Equals("MD5", StringComparison.OrdinalIgnoreCase))
        {
            algorithm = DigestAlgorithm.Md5;
            return true;
        }

        if (token.Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
        {
            algorithm = DigestAlgorithm.Sha256;
            return true;
        }

        algorithm = default;
        return false;
    }

    /// <summary>Length of the hex digest in characters (32 for MD5, 64 for SHA-256).</summary>
    public static int HexLength(DigestAlgorithm algorithm) => algorithm == DigestAlgorithm.Sha256 ? 64 : 32;

    /// <summary>Lowercase hex of H(<paramref name="data"/>) as ASCII bytes.</summary>
    public static byte[] HashHex(DigestAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        var length = algorithm == DigestAlgorithm.Sha256
            ? SHA256.HashData(data, hash)
            : MD5.HashData(data, hash);
        var hex = new byte[length * 2];
        ToHexLower(hash[..length], hex);
        return hex;
    }

    /// <summary>HA1 = H(username ":" realm ":" password) in lowercase hex ASCII.</summary>
    public static byte[] Ha1(DigestAlgorithm algorithm, string username, string realm, string password)
    {
        var text = string.Concat(username, ":", realm, ":", password);
        var bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            return HashHex(algorithm, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// The request-digest: H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2) with qop, or
    /// H(HA1 ":" nonce ":" HA2) without it (RFC 2069 compatibility); HA2 = H(method ":" uri).
    /// </summary>
    public static byte[] Response(
        DigestAlgorithm algorithm, ReadOnlySpan<byte> ha1Hex, string method, string uri, string nonce,
        string? nonceCount, string? cnonce, string? qop)
    {
        var ha2 = HashHex(algorithm, Encoding.UTF8.GetBytes(string.Concat(method, ":", uri)));
        var builder = new StringBuilder(256);
        builder.Append(':').Append(nonce).Append(':');
        if (qop is not null)
        {
            builder.Append(nonceCount).Append(':').Append(cnonce).Append(':').Append(qop).Append(':');
        }

        var tail = Encoding.UTF8.GetBytes(builder.ToString());
        var input = new byte[ha1Hex.Length + tail.Length + ha2.Length];
        ha1Hex.CopyTo(input);
        tail.CopyTo(input.AsSpan(ha1Hex.Length));
        ha2.CopyTo(input.AsSpan(ha1Hex.Length + tail.Length));
        try
        {
            return HashHex(algorithm, input);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    private static void ToHexLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        const string digits = "0123456789abcdef";
        for (var i = 0; i < source.Length; i++)
        {
            destination[2 * i] = (byte)digits[source[i] >> 4];
            destination[(2 * i) + 1] = (byte)digits[source[i] & 0xF];
        }
    }
}
