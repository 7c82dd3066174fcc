using Acd.Sip.Text;

namespace Acd.Sip.Headers;

/// <summary>
/// Splits a header value at top-level commas (not inside quoted strings or &lt;&gt;) without allocating.
/// Elements are trimmed of LWS. An empty element (",,") or an unterminated quote/bracket sets <see cref="IsInvalid"/>.
/// </summary>
public ref struct SipValueListEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private bool _done;
    private bool _started;

    /// <summary>Starts at the whole header value.</summary>
    public SipValueListEnumerator(ReadOnlySpan<byte> value)
    {
        _rest = value;
        _done = false;
        _started = false;
        Current = default;
        IsInvalid = false;
    }

    /// <summary>The current element.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>True when enumeration stopped on malformed input.</summary>
    public bool IsInvalid { get; private set; }

    /// <summary>Returns this enumerator (for foreach).</summary>
    public readonly SipValueListEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next element.</summary>
    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        var s = _rest;
        var inAngle = false;
        var i = 0;
        while (i < s.Length)
        {
            var j = s[i..].IndexOfAny(SipChars.ListSpecials);
            if (j < 0)
            {
                break;
            }

            i += j;
            var b = s[i];
            if (b == '"' && !inAngle)
            {
                var q = SipChars.QuotedLength(s[i..]);
                if (q < 0)
                {
                    return Fail();
                }

                i += q;
                continue;
            }

            if (b == '<')
            {
                inAngle = true;
            }
            else if (b == '>')
            {
                inAngle = false;
            }
            else if (b == ',' && !inAngle)
            {
                return Yield(s[..i], s[(i + 1)..]);
            }

            i++;
        }

        if (inAngle)
        {
            return Fail();
        }

        _done = true;
        var last = SipChars.TrimLws(s);
        if (last.IsEmpty)
        {
            // An empty header value has no elements; a trailing comma is an empty element.
            return _started && Fail();
        }

        Current = last;
        _started = true;
        return true;
    }

    private bool Yield(ReadOnlySpan<byte> element, ReadOnlySpan<byte> rest)
    {
        var e = SipChars.TrimLws(element);
        if (e.IsEmpty)
        {
            return Fail();
        }

        Current = e;
        _rest = rest;
        _started = true;
        return true;
    }

    private bool Fail()
    {
        IsInvalid = true;
        _done = true;
        Current = default;
        return false;
    }
}
