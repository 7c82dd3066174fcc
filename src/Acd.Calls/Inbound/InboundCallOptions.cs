namespace Acd.Calls.Inbound;

/// <summary>How inbound calls are handled on this node (built by the server from its configuration).</summary>
public sealed record InboundCallOptions
{
    /// <summary>The node's name (in call records).</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>The address written in our SDP (c=): the address RTP is bound to and reachable at.</summary>
    public string MediaAddress { get; init; } = "127.0.0.1";

    /// <summary>The host part of the URIs we put in From and P-Asserted-Identity toward agents.</summary>
    public string Domain { get; init; } = "127.0.0.1";

    /// <summary>The music-on-hold class callers hear while waiting (falls back to silence when unknown).</summary>
    public string MusicOnHoldClass { get; init; } = "default";

    /// <summary>The folder that holds the announcement prompts (<c>you-are-caller-number</c>, <c>say/*</c>...).</summary>
    public string PromptDirectory { get; init; } = Path.Combine("ivr-scripts", "prompts");

    /// <summary>When the first position / wait announcement plays after the caller enters the queue (zero: never).</summary>
    public TimeSpan FirstAnnouncement { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the announcement repeats (zero: once).</summary>
    public TimeSpan AnnouncementInterval { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Where a call goes when its IVR fails or the number routes straight to a queue without one.</summary>
    public string? FallbackQueue { get; init; }

    /// <summary>An answered call is ended after this long (a stuck leg never holds an agent forever).</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromHours(4);

    /// <summary>How long a finished call waits for its agent's wrap-up to end before the record is written anyway.</summary>
    public TimeSpan MaxWrapUpWait { get; init; } = TimeSpan.FromMinutes(30);

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

        if (FirstAnnouncement < TimeSpan.Zero || AnnouncementInterval < TimeSpan.Zero)
        {
            errors.Add("Announcement times must not be negative.");
        }

        if (MaxCallDuration <= TimeSpan.Zero || MaxWrapUpWait <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxCallDuration)} and {nameof(MaxWrapUpWait)} must be positive.");
        }

        return errors;
    }
}
