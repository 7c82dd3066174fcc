namespace Acd.Sip.Headers;

/// <summary>One generic-param: a name and an optional value (raw: a quoted value keeps its quotes).</summary>
public readonly ref struct SipParameter
{
    internal SipParameter(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue)
    {
        Name = name;
        Value = value;
        HasValue = hasValue;
    }

    /// <summary>The parameter name as written.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The value as written (empty when <see cref="HasValue"/> is false).</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Whether "=" and a value were present.</summary>
    public bool HasValue { get; }
}
