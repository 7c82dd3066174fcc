using Acd.Sip.Transactions;

namespace Acd.Sip.Ua;

/// <summary>The answer of a registrar to one REGISTER.</summary>
/// <param name="StatusCode">200, 400, 423, 500...</param>
/// <param name="ReasonPhrase">Reason phrase.</param>
/// <param name="Headers">Headers to add (Contact bindings with expires, Min-Expires, Date).</param>
public sealed record SipRegistrarResponse(int StatusCode, string ReasonPhrase, IReadOnlyList<SipHeader> Headers);

/// <summary>
/// Processes REGISTER requests (RFC 3261 10.3) after the UA core has validated and, when configured,
/// authenticated them. Implemented by the registrar/location service in Acd.Calls.
/// </summary>
public interface ISipRegistrar
{
    /// <summary>Updates the bindings of the request's address-of-record and says what to answer.</summary>
    ValueTask<SipRegistrarResponse> RegisterAsync(SipMessage request, SipPeer source, string? authenticatedUser, CancellationToken cancellationToken = default);
}
