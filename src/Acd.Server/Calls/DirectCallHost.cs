using Acd.Calls.Direct;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Sip.Ua;
using Acd.Transport.Rtp;

namespace Acd.Server.Calls;

/// <summary>
/// Calls between agents on this node: builds the <see cref="DirectCallService"/> on the node's user agent, with the
/// agents' extensions from the contact-center configuration in force, their phones from the binding store, and busy
/// state over the routing engine. <see cref="InboundCallHost"/> offers it every INVITE before the number plan.
/// </summary>
internal sealed class DirectCallHost : IAsyncDisposable
{
    private readonly Func<SipUserAgent, DirectCallService> _create;
    private DirectCallService? _calls;

    public DirectCallHost(
        ServerOptions options, string host, Func<ContactCenterConfig> config, IAgentDirectory agents, AcdRouter router, RtpSessionFactory rtp,
        ICallRecordSink records, TimeProvider time, ILoggerFactory loggers, ConsultCallRegistry? consults = null)
    {
        var callOptions = new DirectCallOptions { Node = options.NodeName, MediaAddress = host, Domain = host };
        _create = ua => new DirectCallService(callOptions, new DirectCallDependencies
        {
            UserAgent = ua,
            Media = new RtpMediaSessions(rtp),
            Agents = agents,
            Extensions = new ConfigAgentExtensions(config),
            Busy = new RoutingAgentBusy(router),
            Records = records,
            Time = time,
            Loggers = loggers,
            Consults = consults,
        });
    }

    /// <summary>Creates the service on the node's user agent (once).</summary>
    public void Attach(SipUserAgent ua) => _calls ??= _create(ua);

    /// <summary>Takes the INVITE when it dials an agent's extension; false leaves it to the number plan.</summary>
    public bool TryRoute(SipCall call) => _calls?.TryAccept(call) ?? false;

    public ValueTask DisposeAsync() => _calls?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Agents by extension in the configuration in force (indexed once per version).</summary>
    internal sealed class ConfigAgentExtensions(Func<ContactCenterConfig> config) : IAgentExtensions
    {
        private Index? _index;

        public DirectCallAgent? FindByExtension(string extension)
        {
            var current = config();
            var i = Volatile.Read(ref _index);
            if (i is null || !ReferenceEquals(i.Version, current))
            {
                i = new Index(current, current.Agents.ToDictionary(a => a.Extension, a => new DirectCallAgent(a.Id, a.Extension, a.Name), StringComparer.Ordinal));
                Volatile.Write(ref _index, i);
            }

            return i.Agents.GetValueOrDefault(extension);
        }

        private sealed record Index(ContactCenterConfig Version, Dictionary<string, DirectCallAgent> Agents);
    }
}
