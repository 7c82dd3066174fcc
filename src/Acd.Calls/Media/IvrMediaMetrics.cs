using System.Diagnostics.Metrics;

namespace Acd.Calls.Media;

/// <summary>Instruments of the IVR's media (Meter <c>Acd.Calls</c>).</summary>
public sealed class IvrMediaMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Acd.Calls";

    private readonly Meter _meter;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private one).</summary>
    public IvrMediaMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Prompts = _meter.CreateCounter<long>("acd_ivr_media_prompts_total", description: "IVR prompt playbacks by how they ended (completed, cancelled, stopped).");
        PromptErrors = _meter.CreateCounter<long>("acd_ivr_media_prompt_errors_total", description: "IVR prompts skipped because their WAV file could not be loaded.");
        RecordedFramesDropped = _meter.CreateCounter<long>("acd_ivr_media_recording_frames_dropped_total", description: "Voicemail frames dropped because the disk fell behind.");
    }

    internal Counter<long> Prompts { get; }

    internal Counter<long> PromptErrors { get; }

    internal Counter<long> RecordedFramesDropped { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
