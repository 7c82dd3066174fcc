using System.Globalization;

namespace Acd.Ivr.Expressions;

/// <summary>The value kinds of the script expression language.</summary>
public enum IvrValueKind
{
    Null,
    Boolean,
    Number,
    String,
}

/// <summary>An immutable script value: null, boolean, number (double) or string.</summary>
public readonly struct IvrValue : IEquatable<IvrValue>
{
    private readonly double _number;
    private readonly string? _string;

    private IvrValue(IvrValueKind kind, double number, string? text)
    {
        Kind = kind;
        _number = number;
        _string = text;
    }

    public static IvrValue Null => default;

    public static IvrValue True { get; } = new(IvrValueKind.Boolean, 1, null);

    public static IvrValue False { get; } = new(IvrValueKind.Boolean, 0, null);

    public IvrValueKind Kind { get; }

    public static IvrValue FromBoolean(bool value) => value ? True : False;

    public static IvrValue FromNumber(double value) => new(IvrValueKind.Number, value, null);

    public static IvrValue FromString(string? value) => value is null ? Null : new(IvrValueKind.String, 0, value);

    /// <summary>Truthiness: null and empty strings and 0 are false.</summary>
    public bool IsTruthy => Kind switch
    {
        IvrValueKind.Boolean or IvrValueKind.Number => _number != 0,
        IvrValueKind.String => _string!.Length > 0,
        _ => false,
    };

    /// <summary>The value as a number if it is one or is a string that parses as one.</summary>
    public bool TryGetNumber(out double value)
    {
        switch (Kind)
        {
            case IvrValueKind.Number:
                value = _number;
                return true;
            case IvrValueKind.String:
                return double.TryParse(_string, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            case IvrValueKind.Boolean:
                value = _number;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>Text form: numbers invariant and without trailing zeros, null as empty.</summary>
    public string AsString() => Kind switch
    {
        IvrValueKind.String => _string!,
        IvrValueKind.Number => _number.ToString("0.##########", CultureInfo.InvariantCulture),
        IvrValueKind.Boolean => _number != 0 ? "true" : "false",
        _ => string.Empty,
    };

    /// <summary>Compares two values: numerically when both are numbers (or numeric strings), else ordinally as text.</summary>
    public static int Compare(IvrValue left, IvrValue right)
    {
        if ((left.Kind == IvrValueKind.Number || right.Kind == IvrValueKind.Number)
            && left.TryGetNumber(out var a) && right.TryGetNumber(out var b))
        {
            return a.CompareTo(b);
        }

        return string.CompareOrdinal(left.AsString(), right.AsString());
    }

    public bool Equals(IvrValue other)
    {
        if (Kind == IvrValueKind.Null || other.Kind == IvrValueKind.Null)
        {
            return Kind == other.Kind;
        }

        return Compare(this, other) == 0;
    }

    public override bool Equals(object? obj) => obj is IvrValue other && Equals(other);

    public override int GetHashCode() => AsString().GetHashCode(StringComparison.Ordinal);

    public static bool operator ==(IvrValue left, IvrValue right) => left.Equals(right);

    public static bool operator !=(IvrValue left, IvrValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        IvrValueKind.String => "'" + _string + "'",
        IvrValueKind.Null => "null",
        _ => AsString(),
    };
}
