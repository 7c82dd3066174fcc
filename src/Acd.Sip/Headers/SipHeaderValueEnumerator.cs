namespace Acd.Sip.Headers;

/// <summary>
/// Enumerates the comma-separated values of every field of one header id in a message (e.g. all Via values
/// across several Via lines), without allocating. Stops early, with <see cref="IsInvalid"/> set, on a malformed list.
/// </summary>
public ref struct SipHeaderValueEnumerator
{
    private readonly SipMessage _message;
    private readonly SipHeaderId _id;
    private int _index;
    private SipValueListEnumerator _inner;
    private bool _inField;

    internal SipHeaderValueEnumerator(SipMessage message, SipHeaderId id)
    {
        _message = message;
        _id = id;
        _index = -1;
        _inner = default;
        _inField = false;
        IsInvalid = false;
    }

    /// <summary>The current value.</summary>
    public readonly ReadOnlySpan<byte> Current => _inner.Current;

    /// <summary>True when a list was malformed.</summary>
    public bool IsInvalid { get; private set; }

    /// <summary>Returns this enumerator (for foreach).</summary>
    public readonly SipHeaderValueEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next value.</summary>
    public bool MoveNext()
    {
        var headers = _message.Headers;
        while (true)
        {
            if (_inField)
            {
                if (_inner.MoveNext())
                {
                    return true;
                }

                if (_inner.IsInvalid)
                {
                    IsInvalid = true;
                    return false;
                }

                _inField = false;
            }

            while (++_index < headers.Length && headers[_index].Id != _id)
            {
            }

            if (_index >= headers.Length)
            {
                return false;
            }

            _inner = new SipValueListEnumerator(_message.GetValue(headers[_index]));
            _inField = true;
        }
    }
}
