namespace Acd.Server.Configuration;

/// <summary>
/// The contact center as it is now: the configuration loaded at start, replaced as a whole when the file is edited
/// and the new version is valid. Readers take <see cref="Current"/> once per decision (a call routed on one version
/// finishes on it); components that keep derived state (credentials, presence maps) listen to <see cref="Changed"/>.
/// </summary>
public sealed class ContactCenter(ContactCenterConfig initial)
{
    private ContactCenterConfig _current = initial ?? throw new ArgumentNullException(nameof(initial));

    /// <summary>The configuration in force.</summary>
    public ContactCenterConfig Current => Volatile.Read(ref _current);

    /// <summary>Raised after <see cref="Current"/> changed (on the reloading thread; keep handlers quick).</summary>
    public event Action<ContactCenterConfig>? Changed;

    /// <summary>Installs a validated configuration.</summary>
    public void Update(ContactCenterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Volatile.Write(ref _current, config);
        Changed?.Invoke(config);
    }
}
