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

    /// <summary>The user part of an incoming call's Request-URI (the dialed number or code), or empty.</summary>
    public static string DialedUser(SipCall call) =>
        call.Invite is { } invite && invite.TryGetRequestUri(out var uri) ? uri.GetUserString() : string.Empty;

    /// <summary>Throws when a service's options have errors, naming them all.</summary>
    public static void ThrowIfInvalid(IReadOnlyList<string> errors, string paramName)
    {
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), paramName);
        }
    }

    /// <summary>An offer/answer negotiator for one leg on <paramref name="address"/>:<paramref name="port"/>, with a random session id.</summary>
    public static SdpNegotiator NewNegotiator(string address, int port) =>
        new(new LocalMediaOptions { Address = address, Port = port }, BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2);
}
