using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>
/// One Via value: <c>SIP/2.0/transport sent-by *(;via-params)</c> with LWS allowed around "/" and ":".
/// The well-known parameters are located during parsing, so reading them costs nothing more.
/// </summary>
public readonly ref struct SipVia
{
    /// <summary>The RFC 3261 magic cookie that starts every compliant branch.</summary>
    public static ReadOnlySpan<byte> MagicCookie => "z9hG4bK"u8;

    /// <summary>Protocol name as written (normally "SIP").</summary>
    public ReadOnlySpan<byte> ProtocolName { get; private init; }

    /// <summary>Protocol version as written (normally "2.0").</summary>
    public ReadOnlySpan<byte> ProtocolVersion { get; private init; }

    /// <summary>Transport token as written (UDP, TCP, TLS, SCTP, WS, or an unknown token).</summary>
    public ReadOnlySpan<byte> Transport { get; private init; }

    /// <summary>sent-by host; an IPv6 reference keeps its brackets.</summary>
    public ReadOnlySpan<byte> Host { get; private init; }

    /// <summary>sent-by port, or -1 when absent.</summary>
    public int Port { get; private init; }

    /// <summary>All parameters (starting with ";").</summary>
    public ReadOnlySpan<byte> Parameters { get; private init; }

    /// <summary>The branch parameter value; empty when absent.</summary>
    public ReadOnlySpan<byte> Branch { get; private init; }

    /// <summary>True when a branch parameter is present.</summary>
    public bool HasBranch { get; private init; }

    /// <summary>The received parameter (IPv4, or IPv6 with or without brackets); empty when absent.</summary>
    public ReadOnlySpan<byte> Received { get; private init; }

    /// <summary>True when an rport parameter is present (with or without value).</summary>
    public bool HasRPort { get; private init; }

    /// <summary>The rport value, or -1 when absent or valueless.</summary>
    public int RPort { get; private init; }

    /// <summary>The maddr parameter; empty when absent.</summary>
    public ReadOnlySpan<byte> Maddr { get; private init; }

    /// <summary>The ttl parameter (0..255), or -1 when absent.</summary>
    public int Ttl { get; private init; }

    /// <summary>True when the branch starts with the RFC 3261 magic cookie and has something after it.</summary>
    public bool HasRfc3261Branch => Branch.Length > MagicCookie.Length && Branch.StartsWith(MagicCookie);

    /// <summary>Finds any parameter by name (ASCII case-insensitive).</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        SipParameterEnumerator.TryFind(Parameters, name, out value, out _);

    /// <summary>Parses one Via value (one element of the comma-separated list).</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out SipVia via)
    {
        via = default;
        var s = SipChars.TrimStartLws(value);
        if (!ReadToken(ref s, out var name) || !Expect(ref s, (byte)'/') ||
            !ReadToken(ref s, out var version) || !Expect(ref s, (byte)'/') ||
            !ReadToken(ref s, out var transport))
        {
            return false;
        }

        var afterTransport = s.Length;
        s = SipChars.TrimStartLws(s);
        if (s.Length == afterTransport || s.IsEmpty)
        {
            return false; // sent-by must follow LWS
        }

        int hostLength;
        if (s[0] == '[')
        {
            hostLength = s.IndexOf((byte)']') + 1;
            if (hostLength < 3 || !Acd.Sip.Uri.SipUri.IsIPv6Literal(s[1..(hostLength - 1)]))
            {
                return false;
            }
        }
        else
        {
            hostLength = 0;
            while (hostLength < s.Length && (char.IsAsciiLetterOrDigit((char)s[hostLength]) || s[hostLength] is (byte)'-' or (byte)'.' or (byte)'_'))
            {
                hostLength++;
            }

            if (hostLength == 0)
            {
                return false;
            }
        }

        var host = s[..hostLength];
        s = s[hostLength..];
        var port = -1;
        var t = SipChars.TrimStartLws(s);
        if (!t.IsEmpty && t[0] == ':')
        {
            t = SipChars.TrimStartLws(t[1..]);
            var n = 0;
            while (n < t.Length && char.IsAsciiDigit((char)t[n]))
            {
                n++;
            }

            if (!SipNumber.TryParseUInt32(t[..n], out var p) || p > 65535)
            {
                return false;
            }

            port = (int)p;
            s = t[n..];
        }

        ReadOnlySpan<byte> branch = default, received = default, maddr = default;
        bool hasBranch = false, hasRPort = false;
        int rport = -1, ttl = -1;
        var e = new SipParameterEnumerator(s);
        while (e.MoveNext())
        {
            var prm = e.Current;
            if (System.Text.Ascii.EqualsIgnoreCase(prm.Name, "branch"u8))
            {
                if (!prm.HasValue)
                {
                    return false;
                }

                branch = prm.Value;
                hasBranch = true;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(prm.Name, "received"u8))
            {
                received = prm.Value;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(prm.Name, "rport"u8))
            {
                hasRPort = true;
                if (prm.HasValue)
                {
                    if (!SipNumber.TryParseUInt32(prm.Value, out var rp) || rp > 65535)
                    {
                        return false;
                    }

                    rport = (int)rp;
                }
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(prm.Name, "maddr"u8))
            {
                maddr = prm.Value;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(prm.Name, "ttl"u8))
            {
                if (!SipNumber.TryParseUInt32(prm.Value, out var tl) || tl > 255)
                {
                    return false;
                }

                ttl = (int)tl;
            }
        }

        if (e.IsInvalid)
        {
            return false;
        }

        via = new SipVia
        {
            ProtocolName = name, ProtocolVersion = version, Transport = transport, Host = host, Port = port,
            Parameters = s, Branch = branch, HasBranch = hasBranch, Received = received, HasRPort = hasRPort,
            RPort = rport, Maddr = maddr, Ttl = ttl,
        };
        return true;
    }

    private static bool ReadToken(scoped ref ReadOnlySpan<byte> s, out ReadOnlySpan<byte> token)
    {
        s = SipChars.TrimStartLws(s);
        var n = 0;
        while (n < s.Length && SipChars.IsToken(s[n]))
        {
            n++;
        }

        token = s[..n];
        s = s[n..];
        return n > 0;
    }

    private static bool Expect(scoped ref ReadOnlySpan<byte> s, byte c)
    {
        s = SipChars.TrimStartLws(s);
        if (s.IsEmpty || s[0] != c)
        {
            return false;
        }

        s = s[1..];
        return true;
    }
}
