using System.Net;
using Acd.Calls.Inbound;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Sip.Transactions;

namespace Acd.Server.Calls;

/// <summary>
/// Where an agent's phones are: the agent's extension looked up in the shared binding store (so a call on this node
/// reaches a phone registered through any node), the INVITE sent to the address the REGISTER came from.
/// </summary>
internal sealed class BindingAgentDirectory : IAgentDirectory
{
    private readonly IBindingStore _bindings;
    private readonly ContactCenter _center;
    private Dictionary<string, AgentAccount> _agents;

    public BindingAgentDirectory(IBindingStore bindings, ContactCenter center)
    {
        _bindings = bindings;
        _center = center;
        _agents = Index(center.Current);
        center.Changed += c => _agents = Index(c);
    }

    public async Task<IReadOnlyList<AgentContact>> FindAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!_agents.TryGetValue(agentId, out var agent))
        {
            return [];
        }

        var live = await _bindings.GetAsync(AddressOfRecord.For(agent.Extension, _center.Current.Realm), cancellationToken).ConfigureAwait(false);
        var contacts = new List<AgentContact>(live.Count);
        foreach (var binding in InMemoryBindingStore.Order(live))
        {
            if (IPEndPoint.TryParse(binding.Source, out var source))
            {
                var protocol = binding.Transport == "tcp" ? SipTransportProtocol.Tcp : SipTransportProtocol.Udp;
                contacts.Add(new AgentContact(binding.ContactUri, new SipPeer(source, protocol)));
            }
        }

        return contacts;
    }

    public string? NameOf(string agentId) => _agents.TryGetValue(agentId, out var agent) ? agent.Name : null;

    private static Dictionary<string, AgentAccount> Index(ContactCenterConfig config) => config.Agents.ToDictionary(a => a.Id, StringComparer.Ordinal);
}

/// <summary>
/// Agents' addresses of record are kept as <c>sip:extension@realm</c> whatever host the phone registered to
/// (127.0.0.1, a DNS name, the realm): one node serves one domain, and routing finds a phone by extension alone.
/// </summary>
internal static class AddressOfRecord
{
    public static string For(string user, string realm) => "sip:" + user + "@" + realm;

    /// <summary>Rewrites the host of a sip: AOR to the realm; other AORs are returned unchanged.</summary>
    public static string Canonical(string addressOfRecord, string realm)
    {
        if (!addressOfRecord.StartsWith("sip:", StringComparison.Ordinal))
        {
            return addressOfRecord;
        }

        var at = addressOfRecord.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? addressOfRecord : For(addressOfRecord[4..at], realm);
    }
}
