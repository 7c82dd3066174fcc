namespace Acd.Server.Configuration;

/// <summary>A configuration error at a place in a file: <c>file:line:column: key: message</c>.</summary>
public sealed record ConfigDiagnostic(string File, int Line, int Column, string Key, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Key}: {Message}";
}

/// <summary>Thrown at start-up when configuration is invalid; carries every error, not just the first.</summary>
public sealed class ConfigurationErrorsException : Exception
{
    public ConfigurationErrorsException(IReadOnlyList<ConfigDiagnostic> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public ConfigurationErrorsException()
        : this([])
    {
    }

    public ConfigurationErrorsException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ConfigurationErrorsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigDiagnostic> Errors { get; }

    private static string Format(IReadOnlyList<ConfigDiagnostic> errors) =>
        $"{errors.Count} configuration error(s):{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
