namespace Acd.Routing;

/// <summary>
/// One SIP registration binding (RFC 3261 section 10), as plain data: the registrar stores it here so that any
/// node can reach any agent. <see cref="Node"/>, <see cref="Transport"/> and <see cref="Source"/> say where the
/// REGISTER was received (e.g. "udp", "203.0.113.5:5060") so requests go back the same way.
/// </summary>
public sealed record RegistrationBinding
{
    public required string AddressOfRecord { get; init; }

    public required string Contact { get; init; }

    public required DateTimeOffset Expires { get; init; }

    public required string CallId { get; init; }

    public required long CSeq { get; init; }

    /// <summary>Preference 0.0-1.0 (the q parameter); higher first.</summary>
    public double Q { get; init; } = 1.0;

    public required string Node { get; init; }

    public required string Transport { get; init; }

    public required string Source { get; init; }

    /// <summary>The contact's URI: inside the angle brackets of "&lt;uri&gt;;params", or the whole contact. Bindings are keyed by (AOR, this).</summary>
    public string ContactUri => UriOf(Contact);

    /// <summary>The key a contact string is stored under (see <see cref="ContactUri"/>).</summary>
    public static string UriOf(string contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var end = contact.IndexOf('>', StringComparison.Ordinal);
        return contact.StartsWith('<') && end > 0 ? contact[1..end] : contact;
    }
}

/// <summary>Outcome of a binding update.</summary>
public enum BindingUpdate
{
    Stored = 0,

    /// <summary>Same Call-ID with a CSeq not higher than the stored one: an out-of-order or replayed REGISTER (RFC 3261 10.3 step 7).</summary>
    OutOfOrder = 1,

    /// <summary>The binding was removed (expiry in the past, as for Expires: 0).</summary>
    Removed = 2,
}

/// <summary>
/// The location service's bindings. Expired bindings are never returned (expiry is judged on the store's
/// <see cref="TimeProvider"/>) and are deleted by <see cref="PurgeExpiredAsync"/>.
/// </summary>
public interface IBindingStore
{
    /// <summary>Adds or refreshes a binding keyed by (AOR, contact URI). An expiry at or before now removes it.</summary>
    Task<BindingUpdate> UpdateAsync(RegistrationBinding binding, CancellationToken cancellationToken = default);

    /// <summary>Removes the binding of the contact (full contact or just its URI).</summary>
    Task<bool> RemoveAsync(string addressOfRecord, string contact, CancellationToken cancellationToken = default);

    /// <summary>Removes every binding of the AOR (REGISTER with Contact: * and Expires: 0); returns how many.</summary>
    Task<int> RemoveAllAsync(string addressOfRecord, CancellationToken cancellationToken = default);

    /// <summary>The live bindings of an AOR, highest q first, then most recent expiry.</summary>
    Task<IReadOnlyList<RegistrationBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default);

    /// <summary>Deletes bindings whose expiry has passed; returns how many.</summary>
    Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default);
}

/// <summary>Bindings in this process (single node).</summary>
public sealed class InMemoryBindingStore(TimeProvider time) : IBindingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, RegistrationBinding>> _byAor = new(StringComparer.OrdinalIgnoreCase);

    public Task<BindingUpdate> UpdateAsync(RegistrationBinding binding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_byAor.TryGetValue(binding.AddressOfRecord, out var contacts))
            {
                _byAor[binding.AddressOfRecord] = contacts = new Dictionary<string, RegistrationBinding>(StringComparer.Ordinal);
            }

            var key = binding.ContactUri;
            if (contacts.TryGetValue(key, out var old) && old.Expires > now && old.CallId == binding.CallId && binding.CSeq <= old.CSeq)
            {
                return Task.FromResult(BindingUpdate.OutOfOrder);
            }

            if (binding.Expires <= now)
            {
                contacts.Remove(key);
                return Task.FromResult(BindingUpdate.Removed);
            }

            contacts[key] = binding;
            return Task.FromResult(BindingUpdate.Stored);
        }
    }

    public Task<bool> RemoveAsync(string addressOfRecord, string contact, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byAor.TryGetValue(addressOfRecord, out var contacts) && contacts.Remove(RegistrationBinding.UriOf(contact)));
        }
    }

    public Task<int> RemoveAllAsync(string addressOfRecord, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byAor.Remove(addressOfRecord, out var contacts) ? contacts.Count : 0);
        }
    }

    public Task<IReadOnlyList<RegistrationBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            IReadOnlyList<RegistrationBinding> list = _byAor.TryGetValue(addressOfRecord, out var contacts)
                ? Order(contacts.Values.Where(b => b.Expires > now))
                : [];
            return Task.FromResult(list);
        }
    }

    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var removed = 0;
        lock (_gate)
        {
            foreach (var (aor, contacts) in _byAor.ToArray())
            {
                foreach (var (contact, b) in contacts.ToArray())
                {
                    if (b.Expires <= now)
                    {
                        contacts.Remove(contact);
                        removed++;
                    }
                }

                if (contacts.Count == 0)
                {
                    _byAor.Remove(aor);
                }
            }
        }

        return Task.FromResult(removed);
    }

    /// <summary>The lookup order: highest q first, then latest expiry, then contact (ordinal).</summary>
    public static RegistrationBinding[] Order(IEnumerable<RegistrationBinding> bindings) =>
        bindings.OrderByDescending(b => b.Q).ThenByDescending(b => b.Expires).ThenBy(b => b.Contact, StringComparer.Ordinal).ToArray();
}
