using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;
using Acd.Sip.Validation;
using Microsoft.Extensions.Logging;

namespace Acd.Sip.Ua;

/// <summary>
/// The SIP user agent core: parses what the transport hands it, runs the transaction layer, answers the odd
/// requests (RFC 3261 8.2 via <see cref="SipRequestValidator"/>, 482 merged requests, 483, 481, 405), answers
/// OPTIONS, authenticates and routes REGISTER to the registrar, tracks dialogs, and exposes calls
/// (<see cref="IncomingCalls"/>, <see cref="Originate"/>) with per-call event channels. Thread-safe.
/// </summary>
public sealed partial class SipUserAgent : IDisposable
{
    private static readonly string[] HandledMethods = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "REFER", "NOTIFY"];
    private readonly SipUserAgentOptions _options;
    private readonly ISipSender _sender;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SipRequestValidator _validator;
    private readonly SipDigestAuthenticator? _authenticator;
    private readonly ISipRegistrar? _registrar;
    private readonly SipSignallingMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly SipParserLimits _limits;
    private readonly Channel<SipCall> _incoming;
    private readonly ConcurrentDictionary<string, SipCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string CallId, string FromTag, uint CSeq), (string Branch, long Seen)> _recentRequests = new();
    private readonly string _allow;
    private readonly string _accept;
    private readonly string _supported;
    private readonly byte[] _autoAnswerSdp;
    private long _nextPurge;

    /// <summary>Creates the UA core; throws listing every error when the options are invalid.</summary>
    public SipUserAgent(
        SipUserAgentOptions options, ISipSender sender, TimeProvider time, ILogger<SipUserAgent> logger,
        SipValidatorOptions? validatorOptions = null, SipDigestAuthenticator? authenticator = null, ISipRegistrar? registrar = null,
        SipTimerOptions? timers = null, SipSignallingMetrics? metrics = null, SipParserLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid SIP user agent options: " + string.Join("; ", errors), nameof(options));
        }

        if (options.AuthenticateRegister && registrar is not null && authenticator is null)
        {
            throw new ArgumentException("AuthenticateRegister needs an authenticator.", nameof(authenticator));
        }

        validatorOptions ??= new SipValidatorOptions();
        _options = options;
        _sender = sender;
        _time = time;
        _logger = logger;
        _validator = new SipRequestValidator(validatorOptions);
        _authenticator = authenticator;
        _registrar = registrar;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new SipSignallingMetrics();
        _limits = limits ?? SipParserLimits.Default;
        Transactions = new SipTransactionLayer(sender, time, timers, _metrics);
        _incoming = Channel.CreateBounded<SipCall>(new BoundedChannelOptions(options.IncomingCallQueue) { FullMode = BoundedChannelFullMode.Wait });
        _allow = string.Join(", ", HandledMethods.Where(m => validatorOptions.SupportedMethods.Contains(m, StringComparer.Ordinal)));
        _accept = string.Join(", ", validatorOptions.SupportedContentTypes);
        _supported = string.Join(", ", validatorOptions.SupportedOptionTags);
        _autoAnswerSdp = Encoding.UTF8.GetBytes(options.AutoAnswerSdp);
    }

    /// <summary>The transaction layer (for the transport adapter and tests).</summary>
    public SipTransactionLayer Transactions { get; }

    /// <summary>Live dialogs.</summary>
    public SipDialogStore Dialogs { get; } = new();

    private long _unavailableRetryAfter = -1;

    /// <summary>
    /// While set, out-of-dialog OPTIONS is answered 503 Service Unavailable with this Retry-After (whole seconds), so a
    /// proxy probing the node (Kamailio's dispatcher) takes it out of its set: graceful shutdown. Null: answered 200.
    /// </summary>
    public TimeSpan? UnavailableRetryAfter
    {
        get => Interlocked.Read(ref _unavailableRetryAfter) is >= 0 and var s ? TimeSpan.FromSeconds(s) : null;
        set => Interlocked.Exchange(ref _unavailableRetryAfter, value is { } v ? (long)Math.Max(0, Math.Ceiling(v.TotalSeconds)) : -1);
    }

    /// <summary>New incoming calls (not in <see cref="SipUserAgentOptions.AutoAnswer"/> mode). Read them and Ring/Answer/Reject.</summary>
    public ChannelReader<SipCall> IncomingCalls => _incoming.Reader;

    /// <summary>Live calls.</summary>
    public int CallCount => _calls.Count;

    /// <summary>
    /// Handles one received message (a datagram or a framed stream message). Returns false when it did not
    /// parse and came over a stream (the transport then closes the connection). Never throws for bad input.
    /// </summary>
    public bool Receive(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing)
    {
        if (!SipMessageParser.TryParse(message, framing, _limits, out var parsed, out var error))
        {
            _metrics.ParseError(error.MetricTag);
            Log.ParseError(_logger, source.ToString(), error.ToString());
            if (error.Code == SipParseErrorCode.UnsupportedVersion)
            {
                AnswerUnsupportedVersion(message, source, framing);
            }

            return framing == SipFraming.Datagram;
        }

        if (parsed!.IsRequest)
        {
            OnRequest(parsed, source);
        }
        else
        {
            OnResponse(parsed);
        }

        return true;
    }

    private void OnRequest(SipMessage request, in SipPeer source)
    {
        if (!request.TryGetTopVia(out var via))
        {
            // Without a Via there is nowhere to send a response (8.2.6.2, 18.2.2).
            _metrics.ParseError("no_via");
            return;
        }

        var responsePeer = SipResponseWriter.ResponsePeer(via, source);
        var method = Encoding.ASCII.GetString(request.Method);
        var cseq = request.TryGetCSeq(out var cs) ? cs.Number : 0u;
        var fromTag = request.TryGetFrom(out var from) && from.HasTag ? Encoding.ASCII.GetString(from.Tag) : null;
        var sentBy = via.Port > 0
            ? string.Concat(Encoding.ASCII.GetString(via.Host), ":", via.Port.ToString(CultureInfo.InvariantCulture))
            : Encoding.ASCII.GetString(via.Host);
        var info = new SipRequestInfo(
            method, via.HasBranch ? Encoding.ASCII.GetString(via.Branch) : null, sentBy, request.GetCallIdString(), cseq, fromTag,
            Encoding.UTF8.GetString(request.RequestUri), responsePeer);

        switch (Transactions.ReceiveRequest(info, out var transaction))
        {
            case SipRequestDisposition.BadBranch:
                _metrics.Request(method);
                RespondStateless(request, responsePeer, 400, "Missing Transaction Identifier");
                return;
            case SipRequestDisposition.AckForSuccess or SipRequestDisposition.StrayAck:
                _metrics.Request(method);
                OnAck(request, info);
                return;
            case SipRequestDisposition.NewTransaction:
                HandleNewRequest(request, transaction!, info, source);
                return;
        }
    }

    private void HandleNewRequest(SipMessage request, SipServerTransaction transaction, in SipRequestInfo info, in SipPeer source)
    {
        var verdict = _validator.Validate(request);
        if (!verdict.IsAccepted)
        {
            IReadOnlyList<SipHeader>? extra = verdict.ExtraHeaderName is null ? null : [new SipHeader(verdict.ExtraHeaderName, verdict.ExtraHeaderValue ?? string.Empty)];
            Reject(request, transaction, verdict.StatusCode, verdict.ReasonPhrase, extra);
            return;
        }

        var toTag = request.TryGetTo(out var to) && to.HasTag ? Encoding.ASCII.GetString(to.Tag) : null;
        if (toTag is null && IsMergedRequest(info))
        {
            Reject(request, transaction, 482, "Loop Detected");
            return;
        }

        if (!IsLocalTarget(request))
        {
            var hops = request.TryGetMaxForwards(out var mf) ? mf : 70;
            Reject(request, transaction, hops == 0 ? 483 : 404, hops == 0 ? "Too Many Hops" : "Not Found");
            return;
        }

        switch (request.MethodKind)
        {
            case SipMethod.Options when toTag is null && Interlocked.Read(ref _unavailableRetryAfter) is >= 0 and var retryAfter:
                // Draining: a proxy's OPTIONS probing takes the node out of its set.
                Respond(request, transaction, 503, "Service Unavailable", NewTag(), [new SipHeader("Retry-After", retryAfter.ToString(CultureInfo.InvariantCulture))]);
                return;
            case SipMethod.Options:
                Respond(request, transaction, 200, "OK", toTag ?? NewTag(), OptionsHeaders());
                return;
            case SipMethod.Cancel:
                HandleCancel(request, transaction, info);
                return;
            case SipMethod.Register when _registrar is not null:
                _ = HandleRegisterAsync(request, transaction, source);
                return;
        }

        if (toTag is not null)
        {
            HandleInDialog(request, transaction, info, toTag);
            return;
        }

        switch (request.MethodKind)
        {
            case SipMethod.Invite:
                HandleInvite(request, transaction, info);
                return;
            case SipMethod.Bye or SipMethod.Info or SipMethod.Update or SipMethod.Prack or SipMethod.Notify:
                Reject(request, transaction, 481, "Call/Transaction Does Not Exist");
                return;
            default:
                Reject(request, transaction, 405, "Method Not Allowed", [new SipHeader("Allow", _allow)]);
                return;
        }
    }

    private IReadOnlyList<SipHeader> OptionsHeaders() =>
        [new SipHeader("Allow", _allow), new SipHeader("Accept", _accept), new SipHeader("Supported", _supported)];

    /// <summary>8.2.2.2: same From tag, Call-ID and CSeq as a recent request but another branch: a forked copy looping back.</summary>
    private bool IsMergedRequest(in SipRequestInfo info)
    {
        if (info.FromTag is null || info.Branch is null || info.Method is "ACK" or "CANCEL")
        {
            return false;
        }

        var now = _time.GetTimestamp();
        var key = (info.CallId, info.FromTag, info.CSeq);
        var entry = _recentRequests.GetOrAdd(key, (info.Branch, now));
        var due = Volatile.Read(ref _nextPurge);
        if (now >= due && Interlocked.CompareExchange(ref _nextPurge, now + _time.TimestampFrequency, due) == due)
        {
            // At most once a second, one thread sweeps entries older than 64*T1 (O(n) per second, not per request).
            PurgeRecentRequests(now);
        }

        return !string.Equals(entry.Branch, info.Branch, StringComparison.Ordinal)
            && _time.GetElapsedTime(entry.Seen, now) < Transactions.Timers.Timeout64T1;
    }

    private void PurgeRecentRequests(long now)
    {
        foreach (var (key, value) in _recentRequests)
        {
            if (_time.GetElapsedTime(value.Seen, now) >= Transactions.Timers.Timeout64T1)
            {
                _recentRequests.TryRemove(key, out _);
            }
        }
    }

    private bool IsLocalTarget(SipMessage request)
    {
        if (_options.LocalDomains.Count == 0 || !request.TryGetRequestUri(out var uri) || !uri.IsSip)
        {
            return true;
        }

        var host = uri.GetHostString();
        foreach (var domain in _options.LocalDomains)
        {
            if (string.Equals(domain, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private async Task HandleRegisterAsync(SipMessage request, SipServerTransaction transaction, SipPeer source)
    {
        try
        {
            string? user = null;
            if (_options.AuthenticateRegister && _authenticator is not null)
            {
                var check = await CheckDigestAsync(_authenticator, request, proxy: false, "REGISTER", source.EndPoint.Address.ToString(), CancellationToken.None);
                if (check.User is null)
                {
                    Respond(request, transaction, check.Status, check.Reason, NewTag(), check.Headers);
                    return;
                }

                user = check.User;
                if (_options.RequireAuthUserMatchesAor && request.TryGetTo(out var to) && request.TryGetUri(to.Uri, out var aor)
                    && !string.Equals(aor.GetUserString(), user, StringComparison.Ordinal))
                {
                    Respond(request, transaction, 403, "Forbidden", NewTag());
                    return;
                }
            }

            var result = await _registrar!.RegisterAsync(request, source, user);
            Respond(request, transaction, result.StatusCode, result.ReasonPhrase, NewTag(), result.Headers);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.HandlerFailed(_logger, "REGISTER", source.ToString(), e);
            Respond(request, transaction, 500, "Server Internal Error", NewTag());
        }
    }

    /// <summary>What a digest check decided: the authenticated user, or the response that refuses the request.</summary>
    private readonly record struct DigestCheck(string? User, int Status, string Reason, IReadOnlyList<SipHeader>? Headers);

    /// <summary>
    /// Verifies a request's Authorization (or, for <paramref name="proxy"/>, Proxy-Authorization) values: the user when
    /// they are valid; otherwise 401/407 with fresh challenges (none, stale or malformed credentials) or 403 (wrong
    /// credentials, blocked source).
    /// </summary>
    private async Task<DigestCheck> CheckDigestAsync(
        SipDigestAuthenticator authenticator, SipMessage request, bool proxy, string method, string address, CancellationToken cancellationToken)
    {
        var id = proxy ? SipHeaderId.ProxyAuthorization : SipHeaderId.Authorization;
        var values = new List<string>();
        foreach (ref readonly var field in request.Headers)
        {
            if (field.Id == id)
            {
                values.Add(request.GetValueString(field));
            }
        }

        var verdict = await authenticator.VerifyAsync(values, method, address, cancellationToken);
        switch (verdict.Outcome)
        {
            case DigestOutcome.Challenge or DigestOutcome.Stale:
                if (verdict.Reason is not ("no_credentials" or "stale"))
                {
                    Log.AuthFailed(_logger, verdict.Username, address, verdict.Reason);
                }

                var name = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
                var challenges = authenticator.Challenges(verdict.Outcome == DigestOutcome.Stale).Select(c => new SipHeader(name, c)).ToList();
                return new DigestCheck(null, proxy ? 407 : 401, proxy ? "Proxy Authentication Required" : "Unauthorized", challenges);
            case DigestOutcome.Rejected or DigestOutcome.Blocked:
                Log.AuthFailed(_logger, verdict.Username, address, verdict.Reason);
                return new DigestCheck(null, 403, "Forbidden", null);
            default:
                return new DigestCheck(verdict.Username, 200, "OK", null);
        }
    }

    /// <summary>
    /// Authenticates the party behind an incoming call still in setup (RFC 3261 22.3, as a proxy would: 407 with
    /// Proxy-Authenticate, credentials in Proxy-Authorization). Returns the authenticated user; otherwise the call has
    /// been rejected (407 with fresh challenges, or 403 for wrong credentials or a blocked source) and null is returned.
    /// The peer answers a 407 with a new INVITE, which arrives as a new call.
    /// </summary>
    internal async Task<string?> AuthenticateCallAsync(SipCall call, CancellationToken cancellationToken)
    {
        if (_authenticator is null)
        {
            throw new InvalidOperationException("This user agent has no digest authenticator.");
        }

        if (!call.IsIncoming || call.Invite is null)
        {
            throw new InvalidOperationException("Only incoming calls are authenticated.");
        }

        var check = await CheckDigestAsync(_authenticator, call.Invite, proxy: true, "INVITE", call.Peer.EndPoint.Address.ToString(), cancellationToken);
        if (check.User is null)
        {
            RejectCall(call, check.Status, check.Reason, "unauthenticated", check.Headers);
        }

        return check.User;
    }

    private void HandleCancel(SipMessage request, SipServerTransaction transaction, in SipRequestInfo info)
    {
        switch (Transactions.MatchCancel(info, out var invite))
        {
            case SipCancelMatch.NoTransaction:
                Reject(request, transaction, 481, "Call/Transaction Does Not Exist");
                return;
            case SipCancelMatch.AlreadyAnswered:
                Respond(request, transaction, 200, "OK", NewTag());
                return;
        }

        var call = _calls.TryGetValue(info.CallId, out var c) && ReferenceEquals(c.ServerTransaction, invite) ? c : null;
        Respond(request, transaction, 200, "OK", call?.LocalTag ?? NewTag());
        if (call is not null)
        {
            RejectCall(call, 487, "Request Terminated", "cancelled");
        }
    }

    private void HandleInvite(SipMessage request, SipServerTransaction transaction, in SipRequestInfo info)
    {
        var localTag = NewTag();
        var call = new SipCall(this, incoming: true, info.CallId, localTag, info.ResponsePeer)
        {
            Invite = request,
            ServerTransaction = transaction,
        };
        call.RemoteSdp = request.Body;
        if (!_calls.TryAdd(info.CallId, call))
        {
            // Same Call-ID, no To tag, new branch: a second INVITE for a call we know (or a loop). Refuse it.
            Reject(request, transaction, 482, "Loop Detected");
            return;
        }

        transaction.TimedOut += _ => EndCall(call, "no_ack");
        if (_options.AutoAnswer)
        {
            AnswerCall(call, _autoAnswerSdp);
            return;
        }

        transaction.ArmTrying(SipResponseWriter.Create(request, info.ResponsePeer, 100, "Trying", null, server: _options.ProductName));
        if (!_incoming.Writer.TryWrite(call))
        {
            Log.IncomingQueueFull(_logger, info.CallId);
            RejectCall(call, 503, "Service Unavailable", "queue_full");
        }
    }

    private void HandleInDialog(SipMessage request, SipServerTransaction transaction, in SipRequestInfo info, string toTag)
    {
        var dialog = info.FromTag is null ? null : Dialogs.Find(info.CallId, toTag, info.FromTag);
        if (dialog is null)
        {
            Reject(request, transaction, 481, "Call/Transaction Does Not Exist");
            return;
        }

        if (!dialog.TryAcceptRemoteSeq(info.CSeq, info.Method))
        {
            Respond(request, transaction, 500, "Server Internal Error", toTag, [new SipHeader("Retry-After", "1")]);
            return;
        }

        var call = dialog.UserState as SipCall;
        switch (request.MethodKind)
        {
            case SipMethod.Bye:
                Respond(request, transaction, 200, "OK", toTag);
                Dialogs.Remove(dialog);
                if (call is not null)
                {
                    EndCall(call, "remote_bye");
                }

                return;
            case SipMethod.Invite or SipMethod.Update:
                if (!dialog.TryBeginIncomingOffer())
                {
                    Respond(request, transaction, 491, "Request Pending", toTag);
                    return;
                }

                try
                {
                    if (request.TryGetNameAddr(SipHeaderId.Contact, out var contact))
                    {
                        dialog.RefreshTarget(Encoding.UTF8.GetString(contact.Uri));
                    }

                    // The call's answerer answers a new offer; without one (or without an offer) our current session
                    // description does. The call sees the request as an event.
                    var sdp = call?.LocalSdp ?? _autoAnswerSdp;
                    if (call?.OfferAnswerer is { } answerer && !request.Body.IsEmpty)
                    {
                        if (answerer(request.Body) is not { } answer)
                        {
                            Respond(request, transaction, 488, "Not Acceptable Here", toTag);
                            return;
                        }

                        call.LocalSdp = sdp = answer;
                    }

                    var ok = SipResponseWriter.Create(request, info.ResponsePeer, 200, "OK", toTag, ContactHeader(info.ResponsePeer), "application/sdp", sdp.Span, _options.ProductName);
                    transaction.Respond(200, ok);
                    if (request.MethodKind == SipMethod.Invite)
                    {
                        Transactions.RetransmitSuccessUntilAck(info.CallId, info.CSeq, ok, info.ResponsePeer);
                    }
                }
                finally
                {
                    dialog.EndIncomingOffer();
                }

                call?.Publish(new SipCallRequest(info.Method, 200, request));
                return;
            case SipMethod.Refer:
                Respond(request, transaction, 202, "Accepted", toTag);
                call?.Publish(new SipCallRequest(info.Method, 202, request));
                return;
            case SipMethod.Info or SipMethod.Notify or SipMethod.Options or SipMethod.Message:
                Respond(request, transaction, 200, "OK", toTag);
                call?.Publish(new SipCallRequest(info.Method, 200, request));
                return;
            default:
                Reject(request, transaction, 405, "Method Not Allowed", [new SipHeader("Allow", _allow)]);
                return;
        }
    }

    private void OnAck(SipMessage request, in SipRequestInfo info)
    {
        if (!_calls.TryGetValue(info.CallId, out var call) || !call.IsIncoming)
        {
            return;
        }

        // Only the first ACK confirms the call (RFC 3261 13.3.1.4); a repeated ACK answers a retransmitted 2xx.
        if (call.State == SipCallState.Answered && request.TryGetCSeq(out var cseq) && cseq.Number == call.Invite!.TryGetCSeqNumber()
            && call.TryMarkAcknowledged())
        {
            call.Publish(new SipCallAcknowledged());
        }
    }

    private void Respond(SipMessage request, SipServerTransaction transaction, int status, string reason, string? toTag, IReadOnlyList<SipHeader>? headers = null)
        => transaction.Respond(status, SipResponseWriter.Create(request, transaction.Peer, status, reason, toTag, headers, server: _options.ProductName));

    private void Reject(SipMessage request, SipServerTransaction transaction, int status, string reason, IReadOnlyList<SipHeader>? headers = null)
    {
        Log.Rejected(_logger, transaction.Method, transaction.Peer.ToString(), status, reason);
        Respond(request, transaction, status, reason, NewTag(), headers);
    }

    private void RespondStateless(SipMessage request, in SipPeer peer, int status, string reason)
    {
        _sender.Send(SipResponseWriter.Create(request, peer, status, reason, NewTag(), server: _options.ProductName), peer);
        _metrics.Response(status);
    }

    /// <summary>
    /// A request with a well-formed but unknown SIP-Version gets 505 (8.2 / RFC 4475): the request line's version is
    /// swapped for SIP/2.0 in a copy only to read the headers a response needs; the request itself is not processed.
    /// </summary>
    private void AnswerUnsupportedVersion(ReadOnlyMemory<byte> message, in SipPeer source, SipFraming framing)
    {
        var span = message.Span;
        var lineEnd = span.IndexOf("\r\n"u8);
        if (lineEnd < 8 || span.StartsWith("SIP/"u8))
        {
            return;
        }

        var versionStart = span[..lineEnd].LastIndexOf((byte)' ') + 1;
        if (versionStart <= 0 || !span[versionStart..lineEnd].StartsWith("SIP/"u8))
        {
            return;
        }

        var copy = new byte[message.Length - (lineEnd - versionStart) + 7];
        span[..versionStart].CopyTo(copy);
        "SIP/2.0"u8.CopyTo(copy.AsSpan(versionStart));
        span[lineEnd..].CopyTo(copy.AsSpan(versionStart + 7));
        if (SipMessageParser.TryParse(copy, framing, _limits, out var request, out _) && request!.TryGetTopVia(out var via))
        {
            RespondStateless(request, SipResponseWriter.ResponsePeer(via, source), 505, "Version Not Supported");
        }
    }

    internal static string NewTag()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random);
    }

    private IReadOnlyList<SipHeader> ContactHeader(in SipPeer peer)
        => [new SipHeader("Contact", $"<sip:acd@{_options.ContactAddress};transport={peer.ViaTransport.ToLowerInvariant()}>")];

    /// <inheritdoc />
    public void Dispose()
    {
        _incoming.Writer.TryComplete();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }
}

internal static class SipMessageExtensions
{
    public static uint TryGetCSeqNumber(this SipMessage message) => message.TryGetCSeq(out var cseq) ? cseq.Number : 0;
}
