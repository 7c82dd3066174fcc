using Acd.Media.Clock;

namespace Acd.Calls.Inbound;

// Supervision (listen / whisper / barge) mixes on the media pacing clock the recorders use.
public sealed partial class InboundCallService
{
    /// <summary>The media pacing clock (<see cref="InboundCallDependencies.RecordingClock"/>), which also paces supervision mixers; null: no supervision.</summary>
    internal IMediaClock? MediaClock => _deps.RecordingClock;
}
