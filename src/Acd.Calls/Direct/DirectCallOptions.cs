namespace Acd.Calls.Direct;

/// <summary>How calls between agents are handled on this node (built by the server from its configuration).</summary>
public sealed record DirectCallOptions
{
    /// <summary>The node's name (in call records).</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>The address written in our SDP (c=): the address RTP is bound to and reachable at.</summary>
    public string MediaAddress { get; init; } = "127.0.0.1";

    /// <summary>The host part of the caller's URI in From and P-Asserted-Identity toward the called agent.</summary>
    public string Domain { get; init; } = "127.0.0.1";

    /// <summary>How long the called agent's phone rings before the caller gets 480 (default 30 s).</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An answered call is ended after this long (a stuck leg never keeps two agents busy forever).</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Every error, each naming its property.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(MediaAddress))
        {
            errors.Add($"{nameof(MediaAddress)} must be an address.");
        }

        if (string.IsNullOrWhiteSpace(Domain))
        {
            errors.Add($"{nameof(Domain)} must be a host.");
        }

        if (RingTimeout <= TimeSpan.Zero || MaxCallDuration <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(RingTimeout)} and {nameof(MaxCallDuration)} must be positive.");
        }

        return errors;
    }
}
