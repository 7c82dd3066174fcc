namespace Acd.Calls.Registrar;

/// <summary>
/// One registration binding (RFC 3261 section 10): AOR to contact, with the REGISTER's Call-ID/CSeq and where it
/// came from. Field for field the same shape as Acd.Routing's RegistrationBinding, so the server adapts the two
/// stores 1:1 (Acd.Calls may not reference Acd.Routing).
/// </summary>
public sealed record RegistrarBinding
{
    /// <summary>Canonical address-of-record, e.g. "sip:1001@acd.example".</summary>
    public required string AddressOfRecord { get; init; }

    /// <summary>The contact as registered: "&lt;uri&gt;" plus its contact-params (expires and q removed).</summary>
    public required string Contact { get; init; }

    /// <summary>When the binding expires.</summary>
    public required DateTimeOffset Expires { get; init; }

    /// <summary>Call-ID of the REGISTER that made it.</summary>
    public required string CallId { get; init; }

    /// <summary>CSeq of the REGISTER that made it.</summary>
    public required long CSeq { get; init; }

    /// <summary>Preference 0.0-1.0 (q); higher first.</summary>
    public double Q { get; init; } = 1.0;

    /// <summary>The node that received the REGISTER.</summary>
    public required string Node { get; init; }

    /// <summary>"udp" or "tcp".</summary>
    public required string Transport { get; init; }

    /// <summary>Source address the REGISTER came from ("ip:port"): requests to the contact go there (NAT).</summary>
    public required string Source { get; init; }

    /// <summary>The contact's URI (inside the angle brackets).</summary>
    public string ContactUri
    {
        get
        {
            var end = Contact.IndexOf('>', StringComparison.Ordinal);
            return Contact.StartsWith('<') && end > 0 ? Contact[1..end] : Contact;
        }
    }
}

/// <summary>Outcome of a binding update.</summary>
public enum RegistrarBindingUpdate
{
    /// <summary>Added or refreshed.</summary>
    Stored = 0,

    /// <summary>Same Call-ID with a CSeq not higher than the stored one (RFC 3261 10.3 step 7).</summary>
    OutOfOrder = 1,

    /// <summary>Removed (expiry at or before now, as for expires=0).</summary>
    Removed = 2,
}

/// <summary>
/// The location service's bindings as the registrar needs them. Expired bindings are never returned (judged on
/// the store's TimeProvider) and are deleted by <see cref="PurgeExpiredAsync"/>. The in-memory implementation
/// serves one node; the server adapts Acd.Routing's Redis store for many.
/// </summary>
public interface IRegistrarBindingStore
{
    /// <summary>Adds or refreshes a binding keyed by (AOR, contact URI). An expiry at or before now removes it.</summary>
    Task<RegistrarBindingUpdate> UpdateAsync(RegistrarBinding binding, CancellationToken cancellationToken = default);

    /// <summary>Removes one binding.</summary>
    Task<bool> RemoveAsync(string addressOfRecord, string contact, CancellationToken cancellationToken = default);

    /// <summary>Removes every binding of the AOR; returns how many.</summary>
    Task<int> RemoveAllAsync(string addressOfRecord, CancellationToken cancellationToken = default);

    /// <summary>The live bindings of an AOR, highest q first, then latest expiry.</summary>
    Task<IReadOnlyList<RegistrarBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default);

    /// <summary>Deletes expired bindings; returns how many.</summary>
    Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default);
}

/// <summary>Bindings in this process (single node, tests).</summary>
public sealed class InMemoryRegistrarBindingStore(TimeProvider time) : IRegistrarBindingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, RegistrarBinding>> _byAor = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public Task<RegistrarBindingUpdate> UpdateAsync(RegistrarBinding binding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var now = time.GetUtcNow();
        var key = binding.ContactUri;
        lock (_gate)
        {
            if (!_byAor.TryGetValue(binding.AddressOfRecord, out var contacts))
            {
                _byAor[binding.AddressOfRecord] = contacts = new Dictionary<string, RegistrarBinding>(StringComparer.Ordinal);
            }

            if (contacts.TryGetValue(key, out var old) && old.Expires > now && old.CallId == binding.CallId && binding.CSeq <= old.CSeq)
            {
                return Task.FromResult(RegistrarBindingUpdate.OutOfOrder);
            }

            if (binding.Expires <= now)
            {
                contacts.Remove(key);
                if (contacts.Count == 0)
                {
                    _byAor.Remove(binding.AddressOfRecord);
                }

                return Task.FromResult(RegistrarBindingUpdate.Removed);
            }

            contacts[key] = binding;
            return Task.FromResult(RegistrarBindingUpdate.Stored);
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string addressOfRecord, string contact, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byAor.TryGetValue(addressOfRecord, out var contacts) && contacts.Remove(contact));
        }
    }

    /// <inheritdoc />
    public Task<int> RemoveAllAsync(string addressOfRecord, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byAor.Remove(addressOfRecord, out var contacts))
            {
                return Task.FromResult(0);
            }

            var now = time.GetUtcNow();
            return Task.FromResult(contacts.Values.Count(b => b.Expires > now));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RegistrarBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_byAor.TryGetValue(addressOfRecord, out var contacts))
            {
                return Task.FromResult<IReadOnlyList<RegistrarBinding>>([]);
            }

            IReadOnlyList<RegistrarBinding> live = contacts.Values.Where(b => b.Expires > now)
                .OrderByDescending(b => b.Q).ThenByDescending(b => b.Expires).ToList();
            return Task.FromResult(live);
        }
    }

    /// <inheritdoc />
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var removed = 0;
        lock (_gate)
        {
            foreach (var (aor, contacts) in _byAor.ToList())
            {
                foreach (var (key, binding) in contacts.ToList())
                {
                    if (binding.Expires <= now)
                    {
                        contacts.Remove(key);
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
}
