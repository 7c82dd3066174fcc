namespace Acd.Ivr.Runtime;

/// <summary>Limits of the IVR engine, validated at start-up.</summary>
public sealed record IvrEngineOptions
{
    /// <summary>Transitions allowed without caller input before the session is stopped (a runaway guard; default 1,000).</summary>
    public int MaxTransitionsWithoutInput { get; init; } = 1_000;

    /// <summary>Events a session may hold unprocessed; digits beyond it are dropped and counted (default 64).</summary>
    public int MaxPendingEvents { get; init; } = 64;

    /// <summary>Variables a session may hold (default 64).</summary>
    public int MaxVariables { get; init; } = 64;

    /// <summary>Length limit of a variable's value in characters (default 256).</summary>
    public int MaxVariableLength { get; init; } = 256;

    /// <summary>Every problem, with the option name; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxTransitionsWithoutInput is < 10 or > 1_000_000)
        {
            errors.Add($"{nameof(MaxTransitionsWithoutInput)} must be between 10 and 1000000 (was {MaxTransitionsWithoutInput})");
        }

        if (MaxPendingEvents is < 8 or > 4096)
        {
            errors.Add($"{nameof(MaxPendingEvents)} must be between 8 and 4096 (was {MaxPendingEvents})");
        }

        if (MaxVariables is < 1 or > 4096)
        {
            errors.Add($"{nameof(MaxVariables)} must be between 1 and 4096 (was {MaxVariables})");
        }

        if (MaxVariableLength is < 16 or > 65536)
        {
            errors.Add($"{nameof(MaxVariableLength)} must be between 16 and 65536 (was {MaxVariableLength})");
        }

        return errors;
    }
}
