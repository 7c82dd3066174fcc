using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>CSeq: a sequence number (0..2^32-1, leading zeros allowed) and a method token.</summary>
public readonly ref struct SipCSeq
{
    private SipCSeq(uint number, ReadOnlySpan<byte> method)
    {
        Number = number;
        Method = method;
    }

    /// <summary>The sequence number.</summary>
    public uint Number { get; }

    /// <summary>The method token as written (case-sensitive).</summary>
    public ReadOnlySpan<byte> Method { get; }

    /// <summary>The method classified.</summary>
    public SipMethod MethodKind => SipMethods.Classify(Method);

    /// <summary>Parses "1*DIGIT LWS Method"; false on overflow, a missing method or trailing garbage.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out SipCSeq cseq)
    {
        cseq = default;
        var s = SipChars.TrimLws(value);
        var n = 0;
        while (n < s.Length && char.IsAsciiDigit((char)s[n]))
        {
            n++;
        }

        if (!SipNumber.TryParseUInt32(s[..n], out var number))
        {
            return false;
        }

        var rest = SipChars.TrimStartLws(s[n..]);
        if (rest.Length == s.Length - n || !SipChars.IsAllTokens(rest))
        {
            return false;
        }

        cseq = new SipCSeq(number, rest);
        return true;
    }
}
