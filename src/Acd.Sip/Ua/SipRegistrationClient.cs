using System.Globalization;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace Acd.Sip.Ua;

/// <summary>Where a <see cref="SipRegistrationClient"/> registers, as whom, and how often.</summary>
public sealed record SipRegistrationOptions
{
    /// <summary>A name for logs (the trunk's).</summary>
    public required string Name { get; init; }

    /// <summary>The registrar's Request-URI, e.g. <c>sip:carrier.example:5060</c>.</summary>
    public required string Registrar { get; init; }

    /// <summary>Where the REGISTER goes.</summary>
    public required SipPeer Destination { get; init; }

    /// <summary>The address of record (To and From), e.g. <c>sip:acd@carrier.example</c>.</summary>
    public required string AddressOfRecord { get; init; }

    /// <summary>Our host:port for Via and Contact.</summary>
    public required string ContactAddress { get; init; }

    /// <summary>Digest credentials for 401/407 (never logged).</summary>
    public SipDigestClient? Credentials { get; init; }

    /// <summary>The expiry asked for.</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>First retry delay after a failure; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    public string? UserAgent { get; init; }
}

/// <summary>The registration's state as last seen.</summary>
public enum SipRegistrationState
{
    Unregistered,
    Registering,
    Registered,
    Failed,
}

/// <summary>
/// A UAC registration (RFC 3261 section 10.2) through a <see cref="SipUserAgent"/>'s transaction layer: REGISTER with
/// one Call-ID and increasing CSeq, a digest answer to 401/407 (once per challenge), 423 answered with the registrar's
/// Min-Expires, refresh before the granted expiry on <see cref="TimeProvider"/> (half-way for short expiries, a minute
/// early for long ones), exponential back-off after a failure (timeout, rejection, credentials refused), and
/// un-REGISTER (Expires: 0) on <see cref="UnregisterAsync"/>. Logs and <see cref="StateChanged"/> carry no secret.
/// </summary>
public sealed partial class SipRegistrationClient : IDisposable
{
    private readonly SipUserAgent _ua;
    private readonly SipRegistrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly string _callId = SipUserAgent.NewTag() + SipUserAgent.NewTag() + "@acd-reg";
    private readonly string _fromTag = SipUserAgent.NewTag();
    private readonly ITimer _timer;
    private uint _cseq;
    private TimeSpan _asked;
    private TimeSpan _retry;
    private bool _authAnswered;
    private bool _stopped;
    private TaskCompletionSource<int>? _unregistered;

    public SipRegistrationClient(SipUserAgent ua, SipRegistrationOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(ua);
        ArgumentNullException.ThrowIfNull(options);
        _ua = ua;
        _options = options;
        _time = time;
        _logger = logger;
        _asked = options.Expiry;
        _retry = options.RetryDelay;
        _timer = time.CreateTimer(_ => Send(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public SipRegistrationState State { get; private set; }

    /// <summary>The expiry the registrar granted at the last 2xx.</summary>
    public TimeSpan? Granted { get; private set; }

    /// <summary>The last final status (0 before any; 408 for a timeout).</summary>
    public int LastStatus { get; private set; }

    /// <summary>Failures in a row since the last success.</summary>
    public int Failures { get; private set; }

    /// <summary>Raised (outside the lock) on every state change and failure, with the status that caused it.</summary>
    public event Action<SipRegistrationState, int>? StateChanged;

    /// <summary>Sends the first REGISTER now.</summary>
    public void Start() => Send();

    /// <summary>Stops refreshing and removes the binding (Expires: 0); completes with the final status (408 on timeout).</summary>
    public Task<int> UnregisterAsync()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return _unregistered?.Task ?? Task.FromResult(0);
            }

            _stopped = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _unregistered = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (State != SipRegistrationState.Registered)
            {
                _unregistered.TrySetResult(0);
                return _unregistered.Task;
            }

            _authAnswered = false;
            SendLocked(TimeSpan.Zero, null);
            return _unregistered.Task;
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Send()
    {
        bool first;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            // A refresh keeps the state Registered until its answer; a first try or a retry is Registering.
            first = State != SipRegistrationState.Registered;
            if (first)
            {
                State = SipRegistrationState.Registering;
            }

            _authAnswered = false;
            SendLocked(_asked, null);
        }

        if (first)
        {
            Raise(SipRegistrationState.Registering, 0);
        }
    }

    private void SendLocked(TimeSpan expires, SipHeader? authorization)
    {
        var branch = SipTransactionLayer.NewBranch();
        var seconds = ((long)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var parts = new SipRequestParts
        {
            Method = "REGISTER",
            RequestUri = _options.Registrar,
            Via = $"SIP/2.0/{_options.Destination.ViaTransport} {_options.ContactAddress};branch={branch};rport",
            From = $"<{_options.AddressOfRecord}>;tag={_fromTag}",
            To = $"<{_options.AddressOfRecord}>",
            CallId = _callId,
            CSeq = ++_cseq,
            Contact = $"<sip:{UserPart(_options.AddressOfRecord)}@{_options.ContactAddress}>",
            Headers = authorization is { } a ? [new SipHeader("Expires", seconds), a] : [new SipHeader("Expires", seconds)],
            UserAgent = _options.UserAgent,
        };
        _ua.Transactions.SendRequest("REGISTER", branch, SipRequestWriter.Create(parts), _options.Destination, new User(this, parts, expires));
    }

    private static string UserPart(string aor)
    {
        var start = aor.IndexOf(':', StringComparison.Ordinal) + 1;
        var at = aor.IndexOf('@', StringComparison.Ordinal);
        return at > start ? aor[start..at] : "acd";
    }

    private void OnFinal(SipRequestParts request, TimeSpan expires, int status, SipMessage? response)
    {
        SipRegistrationState? changed = null;
        lock (_gate)
        {
            LastStatus = status;
            var unregistering = expires == TimeSpan.Zero;
            if (status is 401 or 407 && response is not null && !_authAnswered && _options.Credentials is { } credentials
                && credentials.TryAnswer(Challenges(response, status == 401 ? SipHeaderId.WwwAuthenticate : SipHeaderId.ProxyAuthenticate), "REGISTER", request.RequestUri, out var answer))
            {
                _authAnswered = true;
                SendLocked(expires, new SipHeader(status == 401 ? "Authorization" : "Proxy-Authorization", answer));
                return;
            }

            if (status == 423 && !unregistering && response is not null && Header(response, SipHeaderId.MinExpires) is { } min
                && int.TryParse(min, NumberStyles.None, CultureInfo.InvariantCulture, out var minSeconds) && TimeSpan.FromSeconds(minSeconds) > _asked && !_authAnswered)
            {
                _asked = TimeSpan.FromSeconds(minSeconds);
                SendLocked(_asked, null);
                return;
            }

            _authAnswered = false;
            if (unregistering)
            {
                State = SipRegistrationState.Unregistered;
                Granted = null;
                _unregistered?.TrySetResult(status);
                LogUnregistered(_logger, _options.Name, status);
                changed = State;
            }
            else if (status is >= 200 and < 300)
            {
                var granted = response is null ? _asked : GrantedExpiry(response) ?? _asked;
                Granted = granted;
                Failures = 0;
                _retry = _options.RetryDelay;
                State = SipRegistrationState.Registered;
                var refresh = granted - Min(granted / 2, TimeSpan.FromMinutes(1));
                if (!_stopped)
                {
                    _timer.Change(refresh, Timeout.InfiniteTimeSpan);
                }

                LogRegistered(_logger, _options.Name, (int)granted.TotalSeconds, (int)refresh.TotalSeconds);
                changed = State;
            }
            else
            {
                Failures++;
                State = SipRegistrationState.Failed;
                Granted = null;
                var delay = _retry;
                if (status == 503 && response is not null && Header(response, SipHeaderId.RetryAfter) is { } after
                    && int.TryParse(after.Split(' ', ';')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var afterSeconds))
                {
                    delay = Max(delay, TimeSpan.FromSeconds(afterSeconds));
                }

                _retry = Min(_retry * 2, _options.MaxRetryDelay);
                if (!_stopped)
                {
                    _timer.Change(delay, Timeout.InfiniteTimeSpan);
                }

                LogFailed(_logger, _options.Name, status, Failures, delay.TotalSeconds);
                changed = State;
            }
        }

        if (changed is { } state)
        {
            Raise(state, status);
        }
    }

    private void Raise(SipRegistrationState state, int status)
    {
        try
        {
            StateChanged?.Invoke(state, status);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogHandlerFailed(_logger, e, _options.Name);
        }
    }

    /// <summary>The expiry of our Contact in the 2xx (its expires parameter), else the Expires header.</summary>
    private TimeSpan? GrantedExpiry(SipMessage response)
    {
        var ours = "@" + _options.ContactAddress;
        foreach (ref readonly var field in response.Headers)
        {
            if (field.Id != SipHeaderId.Contact)
            {
                continue;
            }

            foreach (var contact in response.GetValueString(field).Split(','))
            {
                var at = contact.IndexOf("expires=", StringComparison.OrdinalIgnoreCase);
                if (contact.Contains(ours, StringComparison.OrdinalIgnoreCase) && at >= 0
                    && int.TryParse(new string(contact[(at + 8)..].TakeWhile(char.IsAsciiDigit).ToArray()), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0)
                {
                    return TimeSpan.FromSeconds(s);
                }
            }
        }

        return Header(response, SipHeaderId.Expires) is { } e && int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }

    private static List<string> Challenges(SipMessage response, SipHeaderId id)
    {
        var list = new List<string>();
        foreach (ref readonly var field in response.Headers)
        {
            if (field.Id == id)
            {
                list.Add(response.GetValueString(field));
            }
        }

        return list;
    }

    private static string? Header(SipMessage response, SipHeaderId id)
    {
        foreach (ref readonly var field in response.Headers)
        {
            if (field.Id == id)
            {
                return response.GetValueString(field).Trim();
            }
        }

        return null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class User(SipRegistrationClient client, SipRequestParts request, TimeSpan expires) : ISipClientTransactionUser
    {
        public void OnResponse(SipClientTransaction transaction, in SipResponseInfo response)
        {
            if (!response.IsProvisional)
            {
                client.OnFinal(request, expires, response.StatusCode, response.Message as SipMessage);
            }
        }

        public void OnTimeout(SipClientTransaction transaction) => client.OnFinal(request, expires, 408, null);

        public ReadOnlyMemory<byte> BuildAckForFailure(SipClientTransaction transaction, in SipResponseInfo response) => ReadOnlyMemory<byte>.Empty;
    }

    [LoggerMessage(EventId = 1180, Level = LogLevel.Information, Message = "Registration {Name}: registered for {Expires} s, refresh in {Refresh} s")]
    private static partial void LogRegistered(ILogger logger, string name, int expires, int refresh);

    [LoggerMessage(EventId = 1181, Level = LogLevel.Warning, Message = "Registration {Name}: failed with {Status} ({Failures} in a row), retry in {Delay} s")]
    private static partial void LogFailed(ILogger logger, string name, int status, int failures, double delay);

    [LoggerMessage(EventId = 1182, Level = LogLevel.Information, Message = "Registration {Name}: unregistered ({Status})")]
    private static partial void LogUnregistered(ILogger logger, string name, int status);

    [LoggerMessage(EventId = 1183, Level = LogLevel.Error, Message = "Registration {Name}: state handler failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string name);
}
