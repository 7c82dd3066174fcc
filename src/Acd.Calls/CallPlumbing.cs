using System.Security.Cryptography;
using System.Threading.Channels;
using Acd.Media.Sdp;
using Acd.Sip.Ua;

namespace Acd.Calls;

/// <summary>The pieces every call actor (inbound, direct) uses the same way.</summary>
internal static class CallPlumbing
{
    /// <summary>Forwards a SIP call's events, wrapped, to the actor's channel until the call's channel completes.</summary>
    public static async Task PumpAsync(ChannelReader<SipCallEvent> reader, Func<SipCallEvent, object> wrap, Action<object> post)
    {
        try
        {
            await foreach (var e in reader.ReadAllAsync().ConfigureAwait(false))
            {
                post(wrap(e));
            }
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>An offer/answer negotiator for one leg on <paramref name="address"/>:<paramref name="port"/>, with a random session id.</summary>
    public static SdpNegotiator NewNegotiator(string address, int port) =>
        new(new LocalMediaOptions { Address = address, Port = port }, BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2);
}
