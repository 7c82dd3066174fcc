using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Recording;
using Acd.Media.Rtp;

namespace Acd.Media.Mixing;

/// <summary>
/// Relays media between two legs (caller and agent) as it arrives: payload passed through when the codecs match,
/// PCMU&lt;-&gt;PCMA transcoded by table when they do not, RFC 4733 events passed through with their timing. Each
/// leg keeps its own SSRC, sequence and timestamp line toward its peer. Optionally feeds a recorder.
/// </summary>
public sealed class MediaBridge : IMediaForwarder, IDisposable
{
    /// <summary>Bridges <paramref name="caller"/> and <paramref name="agent"/>; stops nothing they play.</summary>
    public MediaBridge(MediaLeg caller, MediaLeg agent)
    {
        Caller = caller ?? throw new ArgumentNullException(nameof(caller));
        Agent = agent ?? throw new ArgumentNullException(nameof(agent));
        caller.Forwarder = this;
        agent.Forwarder = this;
    }

    /// <summary>The caller (recorded on the left channel).</summary>
    public MediaLeg Caller { get; }

    /// <summary>The agent (recorded on the right channel).</summary>
    public MediaLeg Agent { get; }

    private PacedStreamHandle? _recording;

    /// <summary>The active recorder, if any.</summary>
    public CallRecorder? Recorder { get; set; }

    /// <summary>
    /// Starts recording the call to <paramref name="path"/> (stereo WAV: caller left, agent right), paced by
    /// <paramref name="clock"/>. Call after answer; the path goes into the call record.
    /// </summary>
    public CallRecorder StartRecording(string path, IMediaClock clock, MediaMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (Recorder is not null)
        {
            throw new InvalidOperationException($"The call is already being recorded to '{Recorder.Path}'.");
        }

        var recorder = CallRecorder.Start(path, metrics);
        _recording = clock.Add(recorder);
        Recorder = recorder;
        return recorder;
    }

    /// <summary>Stops recording and completes the file; returns its path, or null when not recording.</summary>
    public async Task<string?> StopRecordingAsync()
    {
        var recorder = Recorder;
        if (recorder is null)
        {
            return null;
        }

        Recorder = null;
        _recording?.Dispose();
        _recording = null;
        await recorder.StopAsync();
        return recorder.Path;
    }

    /// <summary>Whether the last relayed frames needed transcoding.</summary>
    public bool Transcoding => Caller.Law != Agent.Law;

    /// <inheritdoc />
    public void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law)
    {
        ArgumentNullException.ThrowIfNull(from);
        var to = ReferenceEquals(from, Caller) ? Agent : Caller;
        to.Relay(packet, law);
        Recorder?.OnAudio(ReferenceEquals(from, Caller) ? RecordingChannel.Caller : RecordingChannel.Agent, packet.Payload, law);
    }

    /// <inheritdoc />
    public void OnTelephoneEvent(MediaLeg from, in RtpPacket packet)
    {
        ArgumentNullException.ThrowIfNull(from);
        var to = ReferenceEquals(from, Caller) ? Agent : Caller;
        to.Relay(packet, null);
    }

    /// <summary>Unbridges: the legs stop forwarding to each other.</summary>
    public void Dispose()
    {
        if (ReferenceEquals(Caller.Forwarder, this))
        {
            Caller.Forwarder = null;
        }

        if (ReferenceEquals(Agent.Forwarder, this))
        {
            Agent.Forwarder = null;
        }
    }
}
