using Acd.Media;
using Acd.Media.Sdp;

namespace Acd.Calls.Inbound;

/// <summary>One RTP session as the call layer sees it (implemented by the transport; Acd.Calls opens no sockets).</summary>
public interface IMediaSession : IAsyncDisposable
{
    /// <summary>The leg's media: what it plays, hears and forwards.</summary>
    MediaLeg Leg { get; }

    /// <summary>The local RTP port (for our SDP).</summary>
    int LocalPort { get; }

    /// <summary>Applies the negotiated codec, events and remote address.</summary>
    void Apply(NegotiatedMedia media);
}

/// <summary>Opens RTP sessions.</summary>
public interface IMediaSessionFactory
{
    /// <summary>A started session, or null when no port is free.</summary>
    IMediaSession? Create(string name);
}
