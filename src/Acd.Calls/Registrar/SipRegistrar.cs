using System.Globalization;
using System.Text;
using Acd.Sip;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;

namespace Acd.Calls.Registrar;

/// <summary>Registrar limits (RFC 3261 10.3).</summary>
public sealed record SipRegistrarOptions
{
    /// <summary>Expiry when the REGISTER gives none (default 3,600 s).</summary>
    public uint DefaultExpires { get; init; } = 3_600;

    /// <summary>Shortest non-zero expiry accepted; shorter gets 423 with Min-Expires (default 60 s).</summary>
    public uint MinExpires { get; init; } = 60;

    /// <summary>Longest expiry granted; longer requests are shortened (default 7,200 s).</summary>
    public uint MaxExpires { get; init; } = 7_200;

    /// <summary>Most contacts per AOR (default 10); more is refused with 403.</summary>
    public int MaxContactsPerAor { get; init; } = 10;

    /// <summary>This node's name, stored in bindings (default the machine name).</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>Every problem with the options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MinExpires < 1)
        {
            errors.Add($"{nameof(MinExpires)}: must be at least 1 (was {MinExpires}).");
        }

        if (MaxExpires < MinExpires)
        {
            errors.Add($"{nameof(MaxExpires)}: must be at least {nameof(MinExpires)} (was {MaxExpires}).");
        }

        if (DefaultExpires < MinExpires || DefaultExpires > MaxExpires)
        {
            errors.Add($"{nameof(DefaultExpires)}: must be within {nameof(MinExpires)}..{nameof(MaxExpires)} (was {DefaultExpires}).");
        }

        if (MaxContactsPerAor < 1)
        {
            errors.Add($"{nameof(MaxContactsPerAor)}: must be at least 1 (was {MaxContactsPerAor}).");
        }

        if (string.IsNullOrWhiteSpace(Node))
        {
            errors.Add($"{nameof(Node)}: must not be empty.");
        }

        return errors;
    }
}

/// <summary>
/// The registrar (RFC 3261 10.3): multiple Contacts, expires parameter or Expires header, "*" with Expires 0,
/// 423 below Min-Expires, refresh, out-of-order CSeq (500), and the 200 listing every current binding.
/// Authentication happens before, in the UA core. Expiry is judged on the store's TimeProvider.
/// </summary>
public sealed class SipRegistrar : ISipRegistrar
{
    private readonly SipRegistrarOptions _options;
    private readonly IRegistrarBindingStore _store;
    private readonly TimeProvider _time;
    private readonly IRegistrationObserver? _observer;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>
    /// Creates the registrar; throws listing every error when the options are invalid. <paramref name="observer"/>,
    /// when given, hears of every REGISTER that changed the store (see <see cref="IRegistrationObserver"/>).
    /// </summary>
    public SipRegistrar(SipRegistrarOptions options, IRegistrarBindingStore store, TimeProvider time, IRegistrationObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid registrar options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _store = store;
        _time = time;
        _observer = observer;
    }

    /// <summary>The canonical AOR of a To URI: scheme, unescaped user and lower-case host (10.3 step 5).</summary>
    public static bool TryGetAddressOfRecord(SipMessage request, out string addressOfRecord)
    {
        ArgumentNullException.ThrowIfNull(request);
        addressOfRecord = string.Empty;
        if (!request.TryGetTo(out var to) || !request.TryGetUri(to.Uri, out var uri) || !uri.IsSip)
        {
            return false;
        }

        var scheme = uri.Scheme == Acd.Sip.Uri.SipUriScheme.Sips ? "sips:" : "sip:";
        var user = uri.GetUserString();
        var host = uri.GetHostString().ToLowerInvariant();
        addressOfRecord = user.Length > 0 ? string.Concat(scheme, user, "@", host) : string.Concat(scheme, host);
        return true;
    }

    /// <summary>The live bindings of an AOR (for routing calls to agents).</summary>
    public Task<IReadOnlyList<RegistrarBinding>> LookupAsync(string addressOfRecord, CancellationToken cancellationToken = default)
        => _store.GetAsync(addressOfRecord, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<SipRegistrarResponse> RegisterAsync(SipMessage request, SipPeer source, string? authenticatedUser, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryGetAddressOfRecord(request, out var aor))
        {
            return Answer(400, "Invalid Address of Record");
        }

        var contacts = ReadContacts(request, out var wildcard, out var malformed);
        if (malformed)
        {
            return Answer(400, "Invalid Contact");
        }

        var hasExpiresHeader = request.TryGetExpires(out var headerExpires);
        var callId = request.GetCallIdString();
        var cseq = request.TryGetCSeqNumberOrZero();
        var stripe = _stripes[(StringComparer.OrdinalIgnoreCase.GetHashCode(aor) & int.MaxValue) % _stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            if (wildcard)
            {
                // 10.3 step 6: "*" only alone and with Expires: 0.
                if (contacts.Count != 1 || !hasExpiresHeader || headerExpires != 0)
                {
                    return Answer(400, "Invalid Wildcard");
                }

                var bound = await _store.GetAsync(aor, cancellationToken);
                foreach (var binding in bound)
                {
                    if (binding.CallId == callId && cseq <= binding.CSeq)
                    {
                        return Answer(500, "Out of Order");
                    }
                }

                await _store.RemoveAllAsync(aor, cancellationToken);
                _observer?.BindingsChanged(aor, bound.Count, 0);
                return Answer(200, "OK");
            }

            var now = _time.GetUtcNow();
            var updates = new List<RegistrarBinding>(contacts.Count);
            foreach (var contact in contacts)
            {
                var expires = contact.Expires ?? (hasExpiresHeader ? headerExpires : _options.DefaultExpires);
                if (expires != 0 && expires < _options.MinExpires)
                {
                    return new SipRegistrarResponse(423, "Interval Too Brief",
                        [new SipHeader("Min-Expires", _options.MinExpires.ToString(CultureInfo.InvariantCulture))]);
                }

                expires = Math.Min(expires, _options.MaxExpires);
                updates.Add(new RegistrarBinding
                {
                    AddressOfRecord = aor,
                    Contact = contact.Value,
                    Expires = now.AddSeconds(expires),
                    CallId = callId,
                    CSeq = cseq,
                    Q = contact.Q,
                    Node = _options.Node,
                    Transport = source.Protocol == SipTransportProtocol.Udp ? "udp" : "tcp",
                    Source = source.EndPoint.ToString(),
                });
            }

            var existing = await _store.GetAsync(aor, cancellationToken);
            foreach (var binding in updates)
            {
                var old = existing.FirstOrDefault(b => b.ContactUri == binding.ContactUri);
                if (old is not null && old.CallId == binding.CallId && binding.CSeq <= old.CSeq)
                {
                    return Answer(500, "Out of Order");
                }
            }

            var added = updates.Count(u => u.Expires > now && existing.All(b => b.ContactUri != u.ContactUri));
            if (existing.Count + added > _options.MaxContactsPerAor)
            {
                return Answer(403, "Too Many Contacts");
            }

            foreach (var binding in updates)
            {
                if (await _store.UpdateAsync(binding, cancellationToken) == RegistrarBindingUpdate.OutOfOrder)
                {
                    return Answer(500, "Out of Order");
                }
            }

            var current = await _store.GetAsync(aor, cancellationToken);
            if (updates.Count > 0)
            {
                _observer?.BindingsChanged(aor, existing.Count, current.Count);
            }

            var headers = new List<SipHeader>(current.Count + 1);
            foreach (var binding in current)
            {
                var remaining = Math.Max(0, (long)Math.Ceiling((binding.Expires - now).TotalSeconds));
                headers.Add(new SipHeader("Contact", string.Concat(binding.Contact, ";expires=", remaining.ToString(CultureInfo.InvariantCulture))));
            }

            headers.Add(new SipHeader("Date", now.ToString("r", CultureInfo.InvariantCulture)));
            return new SipRegistrarResponse(200, "OK", headers);
        }
        finally
        {
            stripe.Release();
        }
    }

    private static SipRegistrarResponse Answer(int status, string reason) => new(status, reason, []);

    private readonly record struct ContactValue(string Value, uint? Expires, double Q);

    private static List<ContactValue> ReadContacts(SipMessage request, out bool wildcard, out bool malformed)
    {
        var result = new List<ContactValue>();
        wildcard = false;
        malformed = false;
        var values = request.GetValues(SipHeaderId.Contact);
        while (values.MoveNext())
        {
            var value = values.Current;
            if (!SipNameAddr.TryParse(value, out var contact))
            {
                malformed = true;
                return result;
            }

            if (contact.IsWildcard)
            {
                wildcard = true;
                result.Add(new ContactValue("*", null, 1));
                continue;
            }

            uint? expires = contact.TryGetExpires(out var e) ? e : null;
            var q = contact.TryGetQ(out var thousandths) ? thousandths / 1000.0 : 1.0;
            result.Add(new ContactValue(string.Concat("<", Encoding.UTF8.GetString(contact.Uri), ">", ContactParameters(contact.Parameters)), expires, q));
        }

        malformed = values.IsInvalid;
        return result;
    }

    /// <summary>The contact-params without expires and q (they are restated by the registrar).</summary>
    private static string ContactParameters(ReadOnlySpan<byte> parameters)
    {
        var builder = new StringBuilder();
        foreach (var parameter in new SipParameterEnumerator(parameters))
        {
            if (Ascii.EqualsIgnoreCase(parameter.Name, "expires"u8) || Ascii.EqualsIgnoreCase(parameter.Name, "q"u8))
            {
                continue;
            }

            builder.Append(';').Append(Encoding.UTF8.GetString(parameter.Name));
            if (parameter.HasValue)
            {
                builder.Append('=').Append(Encoding.UTF8.GetString(parameter.Value));
            }
        }

        return builder.ToString();
    }
}

internal static class RegistrarMessageExtensions
{
    public static long TryGetCSeqNumberOrZero(this SipMessage message) => message.TryGetCSeq(out var cseq) ? cseq.Number : 0;
}
