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

    /// <summary>The active recorder, if any.</summary>
    public CallRecorder? Recorder { get; set; }

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
