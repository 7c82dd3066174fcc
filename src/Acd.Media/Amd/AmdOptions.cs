namespace Acd.Media.Amd;

/// <summary>
/// Answering-machine detection parameters, named and defaulted after Asterisk's app_amd (amd.conf). Times are in
/// milliseconds of audio. <see cref="Validate"/> returns every error.
/// </summary>
public sealed record AmdOptions
{
    /// <summary>Silence before the first word longer than this means a machine (app_amd initial_silence).</summary>
    public int InitialSilenceMs { get; init; } = 2500;

    /// <summary>Voice in the greeting longer than this means a machine (app_amd greeting).</summary>
    public int GreetingMs { get; init; } = 1500;

    /// <summary>Silence after the greeting longer than this means a human (app_amd after_greeting_silence).</summary>
    public int AfterGreetingSilenceMs { get; init; } = 800;

    /// <summary>Longest analysis; then NOTSURE (app_amd total_analysis_time).</summary>
    public int TotalAnalysisTimeMs { get; init; } = 5000;

    /// <summary>Voice shorter than this is noise, not a word (app_amd min_word_length).</summary>
    public int MinimumWordLengthMs { get; init; } = 100;

    /// <summary>Silence that separates two words (app_amd between_words_silence).</summary>
    public int BetweenWordsSilenceMs { get; init; } = 50;

    /// <summary>This many words means a machine (app_amd maximum_number_of_words).</summary>
    public int MaximumNumberOfWords { get; init; } = 3;

    /// <summary>One word longer than this means a machine (app_amd maximum_word_length).</summary>
    public int MaximumWordLengthMs { get; init; } = 5000;

    /// <summary>Mean absolute sample value under which a frame is silence (app_amd silence_threshold, 16-bit scale).</summary>
    public int SilenceThreshold { get; init; } = 256;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add($"amd.{field}: {message}");
            }
        }

        Check(InitialSilenceMs is >= 100 and <= 30_000, "initialSilenceMs", "must be in [100, 30000]");
        Check(GreetingMs is >= 100 and <= 30_000, "greetingMs", "must be in [100, 30000]");
        Check(AfterGreetingSilenceMs is >= 20 and <= 10_000, "afterGreetingSilenceMs", "must be in [20, 10000]");
        Check(TotalAnalysisTimeMs is >= 500 and <= 60_000, "totalAnalysisTimeMs", "must be in [500, 60000]");
        Check(MinimumWordLengthMs is >= 20 and <= 2_000, "minimumWordLengthMs", "must be in [20, 2000]");
        Check(BetweenWordsSilenceMs is >= 20 and <= 2_000, "betweenWordsSilenceMs", "must be in [20, 2000]");
        Check(MaximumNumberOfWords is >= 1 and <= 100, "maximumNumberOfWords", "must be in [1, 100]");
        Check(MaximumWordLengthMs >= MinimumWordLengthMs && MaximumWordLengthMs <= 60_000, "maximumWordLengthMs", "must be in [minimumWordLengthMs, 60000]");
        Check(SilenceThreshold is >= 1 and <= 32_767, "silenceThreshold", "must be in [1, 32767]");
        return errors;
    }
}
