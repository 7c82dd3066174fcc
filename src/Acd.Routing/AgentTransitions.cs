namespace Acd.Routing;

/// <summary>The legal agent state transitions. Both stores ask this table before changing an agent.</summary>
public static class AgentTransitions
{
    /// <summary>Transitions an agent (or supervisor) may ask for: LoggedOut, Available, Paused.</summary>
    public static bool IsManualTarget(AgentState state) => state is AgentState.LoggedOut or AgentState.Available or AgentState.Paused;

    /// <summary>True when <paramref name="from"/> to <paramref name="to"/> is legal; otherwise <paramref name="reason"/> says why.</summary>
    public static bool TryValidate(AgentState from, AgentState to, out string? reason)
    {
        var ok = (from, to) switch
        {
            (AgentState.LoggedOut, AgentState.Available or AgentState.Paused or AgentState.LoggedOut) => true,
            (AgentState.Available, AgentState.Paused or AgentState.LoggedOut or AgentState.Reserved or AgentState.Available) => true,
            (AgentState.Paused, AgentState.Available or AgentState.LoggedOut or AgentState.Paused) => true,
            (AgentState.Reserved, AgentState.OnCall or AgentState.Available or AgentState.Paused) => true,
            (AgentState.OnCall, AgentState.WrapUp) => true,
            (AgentState.WrapUp, AgentState.Available or AgentState.Paused or AgentState.LoggedOut) => true,
            _ => false,
        };
        reason = ok ? null : $"an agent cannot go from {from} to {to}";
        return ok;
    }

    /// <summary>
    /// A transition an agent or supervisor asks for: only to LoggedOut, Available or Paused, and never while the
    /// agent is ringing (Reserved) or on a call; those end through the reservation or the call.
    /// </summary>
    public static bool TryValidateManual(AgentState from, AgentState to, out string? reason)
    {
        if (!IsManualTarget(to))
        {
            reason = $"{to} is entered only by routing";
            return false;
        }

        if (from is AgentState.Reserved or AgentState.OnCall)
        {
            reason = $"an agent cannot go from {from} to {to}";
            return false;
        }

        return TryValidate(from, to, out reason);
    }

    /// <summary>Short code used in store encodings (Redis hashes).</summary>
    internal static string Code(AgentState state) => ((int)state).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
