using System.Net;
using System.Net.Sockets;
using Acd.Dialer.Trunks;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;

namespace Acd.Server.Dialer;

/// <summary>Trunk REGISTER: every trunk with <c>register: true</c> keeps a binding at its gateway while the node runs.</summary>
internal sealed partial class DialerHost
{
    private readonly List<(string Trunk, SipRegistrationClient Client)> _registrations = [];

    /// <summary>The registering trunks' states, for diagnostics.</summary>
    public IReadOnlyDictionary<string, SipRegistrationState> Registrations => _registrations.ToDictionary(r => r.Trunk, r => r.Client.State, StringComparer.Ordinal);

    private void StartRegistrations(string contactAddress)
    {
        foreach (var trunk in _config.Trunks.Where(t => t.Register))
        {
            var client = new SipRegistrationClient(_ua!, RegistrationOptions(trunk, contactAddress), _time, _loggers.CreateLogger<SipRegistrationClient>());
            client.StateChanged += (state, status) =>
            {
                if (state == SipRegistrationState.Failed)
                {
                    _metrics.TrunkFailure(trunk.Name, "register_failed");
                }
            };
            _registrations.Add((trunk.Name, client));
            client.Start();
        }
    }

    /// <summary>Un-REGISTERs every trunk (bounded: a silent gateway does not hold the shutdown).</summary>
    private async Task StopRegistrationsAsync()
    {
        var done = _registrations.Select(r => r.Client.UnregisterAsync()).ToList();
        await Task.WhenAll(done).WaitAsync(TimeSpan.FromSeconds(3), _time).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        foreach (var (_, client) in _registrations)
        {
            client.Dispose();
        }
    }

    internal static SipRegistrationOptions RegistrationOptions(TrunkConfig trunk, string contactAddress)
    {
        var hostPort = trunk.Host + ":" + trunk.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var address = IPAddress.TryParse(trunk.Host, out var ip) ? ip
            : Dns.GetHostAddresses(trunk.Host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? throw new SocketException((int)SocketError.HostNotFound);
        return new SipRegistrationOptions
        {
            Name = trunk.Name,
            Registrar = "sip:" + hostPort + (trunk.Transport == "udp" ? string.Empty : ";transport=" + trunk.Transport),
            Destination = new SipPeer(new IPEndPoint(address, trunk.Port), trunk.Transport == "udp" ? SipTransportProtocol.Udp : SipTransportProtocol.Tcp),
            AddressOfRecord = "sip:" + trunk.Username + "@" + trunk.Host,
            ContactAddress = contactAddress,
            Credentials = trunk.Username is { } user && trunk.Password is { } password ? new SipDigestClient(user, password) : null,
            Expiry = trunk.RegisterExpiry,
        };
    }
}
