using System.Security.Cryptography;

namespace Acd.Sip.Auth;

/// <summary>
/// A user's digest secret as HA1 hashes for each algorithm; the password itself is never kept.
/// <see cref="ToString"/> never shows the hashes, so a credential is safe to log.
/// </summary>
public sealed class DigestCredential
{
    private readonly byte[] _ha1Md5;
    private readonly byte[] _ha1Sha256;

    /// <summary>Creates a credential from precomputed HA1 values (lowercase hex, as provisioned).</summary>
    public DigestCredential(string username, string realm, string ha1Md5Hex, string ha1Sha256Hex)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(ha1Md5Hex);
        ArgumentNullException.ThrowIfNull(ha1Sha256Hex);
        if (ha1Md5Hex.Length != 32 || ha1Sha256Hex.Length != 64)
        {
            throw new ArgumentException("HA1 values must be 32 (MD5) and 64 (SHA-256) hex characters.");
        }

        Username = username;
        Realm = realm;
        _ha1Md5 = System.Text.Encoding.ASCII.GetBytes(ha1Md5Hex.ToLowerInvariant());
        _ha1Sha256 = System.Text.Encoding.ASCII.GetBytes(ha1Sha256Hex.ToLowerInvariant());
    }

    private DigestCredential(string username, string realm, byte[] md5, byte[] sha256)
    {
        Username = username;
        Realm = realm;
        _ha1Md5 = md5;
        _ha1Sha256 = sha256;
    }

    /// <summary>The digest username.</summary>
    public string Username { get; }

    /// <summary>The realm the HA1 values were computed for.</summary>
    public string Realm { get; }

    /// <summary>Hashes a password into HA1 values for both algorithms; the password is not retained.</summary>
    public static DigestCredential FromPassword(string username, string realm, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(password);
        return new DigestCredential(
            username,
            realm,
            DigestMath.Ha1(DigestAlgorithm.Md5, username, realm, password),
            DigestMath.Ha1(DigestAlgorithm.Sha256, username, realm, password));
    }

    /// <summary>The HA1 (lowercase hex ASCII) for an algorithm.</summary>
    internal ReadOnlySpan<byte> Ha1(DigestAlgorithm algorithm) => algorithm == DigestAlgorithm.Sha256 ? _ha1Sha256 : _ha1Md5;

    /// <summary>Overwrites the HA1 values (call when the credential is evicted from a cache).</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_ha1Md5);
        CryptographicOperations.ZeroMemory(_ha1Sha256);
    }

    /// <inheritdoc />
    public override string ToString() => $"DigestCredential({Username}@{Realm}, HA1 redacted)";
}

/// <summary>Looks up digest credentials by username and realm (a database, a file, a directory).</summary>
public interface IDigestCredentialStore
{
    /// <summary>The credential, or null when the user is unknown.</summary>
    ValueTask<DigestCredential?> FindAsync(string username, string realm, CancellationToken cancellationToken = default);
}

/// <summary>Credentials held in memory (tests, small single-node deployments).</summary>
public sealed class InMemoryDigestCredentialStore : IDigestCredentialStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string User, string Realm), DigestCredential> _credentials = new();

    /// <summary>Adds or replaces a credential.</summary>
    public void Set(DigestCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        _credentials[(credential.Username, credential.Realm)] = credential;
    }

    /// <summary>Removes a user's credential.</summary>
    public bool Remove(string username, string realm) => _credentials.TryRemove((username, realm), out _);

    /// <inheritdoc />
    public ValueTask<DigestCredential?> FindAsync(string username, string realm, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(_credentials.TryGetValue((username, realm), out var credential) ? credential : null);
}
