namespace Acd.Calls.Media;

/// <summary>Limits of the IVR's media on a call leg (voicemail recordings).</summary>
public sealed record IvrMediaOptions
{
    /// <summary>Where voicemail recordings are written (created when missing). Default <c>recordings</c>.</summary>
    public string RecordingDirectory { get; init; } = "recordings";

    /// <summary>Recorded 20 ms frames that may wait for the disk before frames are dropped (250 = 5 s). 1..3000.</summary>
    public int RecordingQueueFrames { get; init; } = 250;

    /// <summary>Every error, each naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(RecordingDirectory))
        {
            errors.Add($"{nameof(IvrMediaOptions)}.{nameof(RecordingDirectory)}: must name a directory.");
        }

        if (RecordingQueueFrames is < 1 or > 3000)
        {
            errors.Add($"{nameof(IvrMediaOptions)}.{nameof(RecordingQueueFrames)}: {RecordingQueueFrames} is outside 1..3000.");
        }

        return errors;
    }
}
