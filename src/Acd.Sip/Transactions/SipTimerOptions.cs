namespace Acd.Sip.Transactions;

/// <summary>
/// RFC 3261 timer base values (section 17, table 4). Every other timer derives from these:
/// A/E/G start at T1 and double (E/G up to T2); B/F/H/J/L/M = 64*T1; D = 32 s (UDP); I/K = T4 (UDP).
/// </summary>
public sealed record SipTimerOptions
{
    /// <summary>RTT estimate, default 500 ms.</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s.</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Maximum time a message stays in the network, default 5 s.</summary>
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timer D (wait for response retransmissions after a non-2xx INVITE final, UDP), default 32 s.</summary>
    public TimeSpan TimerD { get; init; } = TimeSpan.FromSeconds(32);

    /// <summary>How long an INVITE server transaction waits for the TU before sending 100 Trying itself (default 200 ms).</summary>
    public TimeSpan TryingDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The defaults of RFC 3261.</summary>
    public static SipTimerOptions Default { get; } = new();

    /// <summary>64*T1: timers B, F, H, J, L, M.</summary>
    public TimeSpan Timeout64T1 => T1 * 64;

    /// <summary>Every problem with the options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (T1 <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(T1)}: must be positive (was {T1}).");
        }

        if (T2 < T1)
        {
            errors.Add($"{nameof(T2)}: must be at least T1 (was {T2}).");
        }

        if (T4 <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(T4)}: must be positive (was {T4}).");
        }

        if (TimerD < TimeSpan.FromSeconds(32))
        {
            errors.Add($"{nameof(TimerD)}: RFC 3261 requires at least 32 s (was {TimerD}).");
        }

        if (TryingDelay < TimeSpan.Zero || TryingDelay > TimeSpan.FromMilliseconds(200))
        {
            errors.Add($"{nameof(TryingDelay)}: must be 0..200 ms (was {TryingDelay}).");
        }

        return errors;
    }
}
