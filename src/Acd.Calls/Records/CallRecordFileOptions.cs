namespace Acd.Calls.Records;

/// <summary>Where and how <see cref="JsonLinesCallRecordSink"/> writes.</summary>
public sealed record CallRecordFileOptions
{
    /// <summary>Most records that may wait for the disk (<see cref="Capacity"/>).</summary>
    public const int MaxCapacity = 1_000_000;

    /// <summary>The folder of the daily files <c>calls-YYYY-MM-DD.jsonl</c> (created when missing). Default <c>records</c>.</summary>
    public string Directory { get; init; } = "records";

    /// <summary>Records that may wait for the disk before new ones are dropped (and records kept for retry). 1..1,000,000, default 10,000.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>Every error, each naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory))
        {
            errors.Add($"{nameof(CallRecordFileOptions)}.{nameof(Directory)}: must name a directory.");
        }
        else if (Directory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{nameof(CallRecordFileOptions)}.{nameof(Directory)}: '{Directory}' contains a character not allowed in a path.");
        }

        if (Capacity is < 1 or > MaxCapacity)
        {
            errors.Add($"{nameof(CallRecordFileOptions)}.{nameof(Capacity)}: {Capacity} is outside 1..{MaxCapacity}.");
        }

        return errors;
    }
}
