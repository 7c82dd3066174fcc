namespace Acd.Calls.Features;

/// <summary>How feature-code calls are handled on this node (built by the server from its configuration).</summary>
public sealed record FeatureCodeOptions
{
    /// <summary>The address written in our SDP (c=): the address RTP is bound to and reachable at.</summary>
    public string MediaAddress { get; init; } = "127.0.0.1";

    /// <summary>The prompts folder; the feature prompts are under its <c>features/</c> folder.</summary>
    public required string PromptDirectory { get; init; }

    /// <summary>How long the first digit of an asked-for code may take, counted from the end of the prompt (default 8 s).</summary>
    public TimeSpan DigitTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>How long each further digit may take (default 4 s); '#' ends the code at once.</summary>
    public TimeSpan InterDigitTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The longest code collected (pause and disposition codes are 1-4 digits).</summary>
    public int MaxDigits { get; init; } = 4;

    /// <summary>A feature-code call is hung up after this long whatever happens (default 60 s).</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Every error, each naming its property.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(MediaAddress))
        {
            errors.Add($"{nameof(MediaAddress)} must be an address.");
        }

        if (string.IsNullOrWhiteSpace(PromptDirectory))
        {
            errors.Add($"{nameof(PromptDirectory)} must be a folder.");
        }

        if (DigitTimeout <= TimeSpan.Zero || InterDigitTimeout <= TimeSpan.Zero || MaxCallDuration <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(DigitTimeout)}, {nameof(InterDigitTimeout)} and {nameof(MaxCallDuration)} must be positive.");
        }

        if (MaxDigits is < 1 or > 16)
        {
            errors.Add($"{nameof(MaxDigits)} must be 1-16.");
        }

        return errors;
    }
}
