using Acd.Calls.Inbound;
using Acd.Media;
using Acd.Media.Sdp;
using Acd.Transport.Rtp;

namespace Acd.Server.Calls;

/// <summary>The transport's RTP sessions behind the call layer's media interface.</summary>
internal sealed class RtpMediaSessions(RtpSessionFactory factory) : IMediaSessionFactory
{
    public IMediaSession? Create(string name) => factory.Create(name) is { } session ? new Session(session) : null;

    private sealed class Session(RtpSession session) : IMediaSession
    {
        public MediaLeg Leg => session.Leg;

        public int LocalPort => session.LocalPort;

        public void Apply(NegotiatedMedia media) => session.Apply(media);

        public ValueTask DisposeAsync() => session.DisposeAsync();
    }
}
