using System.Buffers;

namespace Acd.Sip.Parsing;

/// <summary>Collects header index entries on the stack, spilling to a pooled array; copied once to an exact array.</summary>
internal ref struct HeaderFieldBuffer
{
    private Span<SipHeaderField> _span;
    private SipHeaderField[]? _rented;

    public HeaderFieldBuffer(Span<SipHeaderField> initial)
    {
        _span = initial;
        _rented = null;
        Count = 0;
    }

    public int Count { get; private set; }

    public readonly Span<SipHeaderField> Items => _span[..Count];

    public void Add(in SipHeaderField field)
    {
        if (Count == _span.Length)
        {
            var bigger = ArrayPool<SipHeaderField>.Shared.Rent(_span.Length * 2);
            _span.CopyTo(bigger);
            if (_rented is not null)
            {
                ArrayPool<SipHeaderField>.Shared.Return(_rented);
            }

            _rented = bigger;
            _span = bigger;
        }

        _span[Count++] = field;
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<SipHeaderField>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
