using Acd.Calls.Registrar;
using Acd.Routing;
using Acd.Server.Calls;

namespace Acd.Server.Hosting;

/// <summary>
/// The registrar's binding store backed by the routing store's bindings (in memory, or Redis so that any node
/// reaches any agent's phone), under the canonical AOR sip:user@realm. Acd.Calls cannot reference Acd.Routing, so the server maps one record to the other.
/// </summary>
internal sealed class RegistrationBindingAdapter(IBindingStore store, string realm) : IRegistrarBindingStore
{
    public async Task<RegistrarBindingUpdate> UpdateAsync(RegistrarBinding binding, CancellationToken cancellationToken = default) =>
        await store.UpdateAsync(ToRouting(binding with { AddressOfRecord = AddressOfRecord.Canonical(binding.AddressOfRecord, realm) }), cancellationToken).ConfigureAwait(false) switch
        {
            BindingUpdate.Stored => RegistrarBindingUpdate.Stored,
            BindingUpdate.OutOfOrder => RegistrarBindingUpdate.OutOfOrder,
            _ => RegistrarBindingUpdate.Removed,
        };

    public Task<bool> RemoveAsync(string addressOfRecord, string contact, CancellationToken cancellationToken = default) =>
        store.RemoveAsync(AddressOfRecord.Canonical(addressOfRecord, realm), contact, cancellationToken);

    public Task<int> RemoveAllAsync(string addressOfRecord, CancellationToken cancellationToken = default) =>
        store.RemoveAllAsync(AddressOfRecord.Canonical(addressOfRecord, realm), cancellationToken);

    public async Task<IReadOnlyList<RegistrarBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default) =>
        (await store.GetAsync(AddressOfRecord.Canonical(addressOfRecord, realm), cancellationToken).ConfigureAwait(false)).Select(ToRegistrar).ToList();

    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default) => store.PurgeExpiredAsync(cancellationToken);

    internal static RegistrationBinding ToRouting(RegistrarBinding b) => new()
    {
        AddressOfRecord = b.AddressOfRecord,
        Contact = b.Contact,
        Expires = b.Expires,
        CallId = b.CallId,
        CSeq = b.CSeq,
        Q = b.Q,
        Node = b.Node,
        Transport = b.Transport,
        Source = b.Source,
    };

    internal static RegistrarBinding ToRegistrar(RegistrationBinding b) => new()
    {
        AddressOfRecord = b.AddressOfRecord,
        Contact = b.Contact,
        Expires = b.Expires,
        CallId = b.CallId,
        CSeq = b.CSeq,
        Q = b.Q,
        Node = b.Node,
        Transport = b.Transport,
        Source = b.Source,
    };
}
