namespace Acd.Calls.Registrar;

/// <summary>
/// Hears of every REGISTER that changed an address-of-record's bindings (added, refreshed or removed contacts), after
/// the store was updated and before the 200 is sent; a query-only REGISTER (no Contact) is not reported. Called on the
/// REGISTER path under the AOR's lock: an implementation must return at once and never throw (queue the work).
/// </summary>
public interface IRegistrationObserver
{
    /// <summary>
    /// The bindings of <paramref name="addressOfRecord"/> changed: it had <paramref name="previousContacts"/> live
    /// contacts before this REGISTER and has <paramref name="liveContacts"/> now (0 after Expires: 0 or "*").
    /// </summary>
    void BindingsChanged(string addressOfRecord, int previousContacts, int liveContacts);
}
