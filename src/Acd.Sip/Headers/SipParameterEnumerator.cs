using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>
/// Enumerates <c>*( SEMI generic-param )</c> over a header value tail without allocating, tolerating LWS
/// (and folds) around ";" and "=". Stops with <see cref="IsInvalid"/> set on an empty name, an
/// unterminated quoted string or a stray character.
/// </summary>
public ref struct SipParameterEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private SipParameter _current;

    /// <summary>Starts at <paramref name="parameters"/>, which should begin with optional LWS and ";".</summary>
    public SipParameterEnumerator(ReadOnlySpan<byte> parameters)
    {
        _rest = parameters;
        _current = default;
        IsInvalid = false;
    }

    /// <summary>True when enumeration stopped on malformed input.</summary>
    public bool IsInvalid { get; private set; }

    /// <summary>The current parameter.</summary>
    public readonly SipParameter Current => _current;

    /// <summary>Returns this enumerator (for foreach).</summary>
    public readonly SipParameterEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next parameter.</summary>
    public bool MoveNext()
    {
        var s = SipChars.TrimStartLws(_rest);
        if (s.IsEmpty)
        {
            _rest = s;
            return false;
        }

        if (s[0] != ';')
        {
            return Fail();
        }

        s = SipChars.TrimStartLws(s[1..]);
        var n = 0;
        while (n < s.Length && SipChars.IsToken(s[n]))
        {
            n++;
        }

        if (n == 0)
        {
            return Fail();
        }

        var name = s[..n];
        s = SipChars.TrimStartLws(s[n..]);
        if (s.IsEmpty || s[0] != '=')
        {
            _current = new SipParameter(name, default, false);
            _rest = s;
            return true;
        }

        s = SipChars.TrimStartLws(s[1..]);
        int v;
        if (!s.IsEmpty && s[0] == '"')
        {
            v = SipChars.QuotedLength(s);
            if (v < 0)
            {
                return Fail();
            }
        }
        else
        {
            v = 0;
            while (v < s.Length && SipChars.IsParamChar(s[v]))
            {
                v++;
            }

            if (v == 0)
            {
                return Fail();
            }
        }

        _current = new SipParameter(name, s[..v], true);
        _rest = s[v..];
        return true;
    }

    private bool Fail()
    {
        IsInvalid = true;
        _rest = default;
        return false;
    }

    /// <summary>True when every parameter in <paramref name="parameters"/> is well formed.</summary>
    public static bool Validate(ReadOnlySpan<byte> parameters)
    {
        var e = new SipParameterEnumerator(parameters);
        while (e.MoveNext())
        {
        }

        return !e.IsInvalid;
    }

    /// <summary>Finds a parameter by name (ASCII case-insensitive). Value is raw (quotes kept).</summary>
    public static bool TryFind(ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out bool hasValue)
    {
        foreach (var p in new SipParameterEnumerator(parameters))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(p.Name, name))
            {
                value = p.Value;
                hasValue = p.HasValue;
                return true;
            }
        }

        value = default;
        hasValue = false;
        return false;
    }
}
