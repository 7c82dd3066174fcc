using System.Diagnostics.Metrics;

namespace Acd.Sip.Auth;

/// <summary>
/// Instruments of the signalling core on the "Acd.Sip" meter: requests, responses, auth failures,
/// transaction timeouts. One instance per host (create with the host's IMeterFactory, or standalone in tests).
/// </summary>
public sealed class SipSignallingMetrics : IDisposable
{
    /// <summary>The meter name shared by every Acd.Sip instrument.</summary>
    public const string MeterName = "Acd.Sip";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _responses;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _authBlocked;
    private readonly Counter<long> _timeouts;
    private readonly Counter<long> _parseErrors;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a standalone meter).</summary>
    public SipSignallingMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("acd_sip_requests_total", description: "SIP requests received, by method.");
        _responses = _meter.CreateCounter<long>("acd_sip_responses_total", description: "SIP responses sent, by status code.");
        _authFailures = _meter.CreateCounter<long>("acd_sip_auth_failures_total", description: "Failed digest authentications, by reason.");
        _authBlocked = _meter.CreateCounter<long>("acd_sip_auth_blocked_total", description: "Requests refused because the source or user is rate-limited.");
        _timeouts = _meter.CreateCounter<long>("acd_sip_transactions_timed_out_total", description: "Transactions ended by timer B, F or H.");
        _parseErrors = _meter.CreateCounter<long>("acd_sip_parse_errors_total", description: "Datagrams or stream messages that failed to parse, by reason.");
    }

    /// <summary>The meter the instruments live on (tests attach collectors to this instance).</summary>
    internal Meter Meter => _meter;

    /// <summary>Counts a received request.</summary>
    public void Request(string method) => _requests.Add(1, new KeyValuePair<string, object?>("method", method));

    /// <summary>Counts a sent response.</summary>
    public void Response(int statusCode) => _responses.Add(1, new KeyValuePair<string, object?>("code", statusCode));

    /// <summary>Counts an authentication failure.</summary>
    public void AuthFailure(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts a request refused by the rate limiter.</summary>
    public void AuthBlocked() => _authBlocked.Add(1);

    /// <summary>Counts a transaction timeout.</summary>
    public void TransactionTimedOut(string kind) => _timeouts.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a parse error.</summary>
    public void ParseError(string reason) => _parseErrors.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
