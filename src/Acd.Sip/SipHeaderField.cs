namespace Acd.Sip;

/// <summary>
/// Index entry of one header field: where its name, value and whole raw line lie in
/// <see cref="SipMessage.Buffer"/>. 20 bytes; the message keeps an array of these and nothing else per header.
/// </summary>
public readonly struct SipHeaderField
{
    internal SipHeaderField(SipHeaderId id, bool folded, int nameStart, int nameLength, int valueStart, int valueLength, int lineEnd)
    {
        Id = id;
        IsFolded = folded;
        NameStart = nameStart;
        NameLength = (ushort)Math.Min(nameLength, ushort.MaxValue);
        ValueStart = valueStart;
        ValueLength = valueLength;
        LineEnd = lineEnd;
    }

    /// <summary>The recognised header, or <see cref="SipHeaderId.Unknown"/>.</summary>
    public SipHeaderId Id { get; }

    /// <summary>True when the value continues on folded lines (CRLF followed by SP/HT).</summary>
    public bool IsFolded { get; }

    /// <summary>Length of the name.</summary>
    public ushort NameLength { get; }

    /// <summary>Offset of the name (and of the raw line).</summary>
    public int NameStart { get; }

    /// <summary>Offset of the value (after ":" and leading LWS).</summary>
    public int ValueStart { get; }

    /// <summary>Length of the value (trailing LWS trimmed; folds included as written).</summary>
    public int ValueLength { get; }

    /// <summary>Offset just past the last byte of the raw field (its final CRLF excluded).</summary>
    public int LineEnd { get; }
}
