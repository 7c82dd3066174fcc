namespace Acd.Ivr.Scripting;

/// <summary>A position in a script file: 1-based line and column, as editors show them.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One load or validation error, printed as <c>file:line:column: error IVRnnn: message</c>.</summary>
public sealed record IvrDiagnostic(SourceLocation Location, string Code, string Message)
{
    public override string ToString() => $"{Location}: error {Code}: {Message}";
}

/// <summary>Error codes, stable so that editors and tests can match on them.</summary>
public static class IvrErrorCodes
{
    public const string Syntax = "IVR001";
    public const string UnknownKey = "IVR002";
    public const string MissingKey = "IVR003";
    public const string InvalidValue = "IVR004";
    public const string UnknownKind = "IVR005";
    public const string DanglingTarget = "IVR006";
    public const string Unreachable = "IVR007";
    public const string MissingPrompt = "IVR008";
    public const string NoWayOut = "IVR009";
    public const string InputlessLoop = "IVR010";
    public const string InvalidPattern = "IVR011";
    public const string InvalidExpression = "IVR012";
    public const string Duplicate = "IVR013";
    public const string Io = "IVR014";
}
