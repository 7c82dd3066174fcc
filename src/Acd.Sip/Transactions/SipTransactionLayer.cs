using System.Collections.Concurrent;
using System.Security.Cryptography;
using Acd.Sip.Auth;

namespace Acd.Sip.Transactions;

/// <summary>
/// The RFC 3261 transaction layer: matches requests to server transactions (branch + sent-by + method, or the
/// RFC 2543 fallback) and responses to client transactions (branch + CSeq method), owns their timers on a
/// TimeProvider and sends through <see cref="ISipSender"/>. Also runs the UAS core's 2xx retransmission
/// until ACK (13.3.1.4). Pure: no sockets, no parsing. Thread-safe.
/// </summary>
public sealed class SipTransactionLayer
{
    private readonly ConcurrentDictionary<string, SipServerTransaction> _server = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipClientTransaction> _client = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SuccessRetransmission> _successes = new(StringComparer.Ordinal);
    private long _retransmissions;

    /// <summary>Creates the layer; throws when the timer options are invalid.</summary>
    public SipTransactionLayer(ISipSender sender, TimeProvider time, SipTimerOptions? timers = null, SipSignallingMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(time);
        timers ??= SipTimerOptions.Default;
        var errors = timers.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(timers));
        }

        Sender = sender;
        Time = time;
        Timers = timers;
        Metrics = metrics;
    }

    internal ISipSender Sender { get; }

    internal TimeProvider Time { get; }

    internal SipSignallingMetrics? Metrics { get; }

    /// <summary>The timer values in force.</summary>
    public SipTimerOptions Timers { get; }

    /// <summary>Live server transactions.</summary>
    public int ServerCount => _server.Count;

    /// <summary>Live client transactions.</summary>
    public int ClientCount => _client.Count;

    /// <summary>2xx responses being retransmitted while waiting for their ACK.</summary>
    public int PendingSuccessCount => _successes.Count;

    /// <summary>Client request retransmissions sent so far (timers A and E).</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>A fresh RFC 3261 branch: the magic cookie and 96 random bits.</summary>
    public static string NewBranch()
    {
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        return SipRequestInfo.MagicCookie + Convert.ToHexStringLower(random);
    }

    /// <summary>
    /// Feeds a received request. For <see cref="SipRequestDisposition.NewTransaction"/> the TU must answer
    /// through <paramref name="transaction"/>; every other disposition needs no response from the TU
    /// (<see cref="SipRequestDisposition.BadBranch"/>: answer 400 statelessly).
    /// </summary>
    public SipRequestDisposition ReceiveRequest(in SipRequestInfo request, out SipServerTransaction? transaction)
    {
        transaction = null;
        if (request.HasCookieOnlyBranch)
        {
            return SipRequestDisposition.BadBranch;
        }

        var isAck = string.Equals(request.Method, "ACK", StringComparison.Ordinal);
        var key = ServerKey(request, isAck ? "INVITE" : request.Method);
        if (isAck)
        {
            if (_server.TryGetValue(key, out var invite) && invite.OnAck())
            {
                return SipRequestDisposition.AckAbsorbed;
            }

            return _successes.TryRemove(SuccessKey(request.CallId, request.CSeq), out var pending) && pending.Stop()
                ? SipRequestDisposition.AckForSuccess
                : SipRequestDisposition.StrayAck;
        }

        if (_server.TryGetValue(key, out var existing))
        {
            existing.OnRequestRetransmission();
            return SipRequestDisposition.Retransmission;
        }

        var created = new SipServerTransaction(this, key, request);
        existing = _server.GetOrAdd(key, created);
        if (!ReferenceEquals(existing, created))
        {
            existing.OnRequestRetransmission();
            return SipRequestDisposition.Retransmission;
        }

        Metrics?.Request(request.Method);
        transaction = created;
        return SipRequestDisposition.NewTransaction;
    }

    /// <summary>
    /// Finds the INVITE server transaction a CANCEL targets (same branch and sent-by, 9.2). The CANCEL itself
    /// must first go through <see cref="ReceiveRequest"/> (it is its own non-INVITE transaction).
    /// </summary>
    public SipCancelMatch MatchCancel(in SipRequestInfo cancel, out SipServerTransaction? invite)
    {
        if (_server.TryGetValue(ServerKey(cancel, "INVITE"), out invite))
        {
            return invite.State == SipServerTransactionState.Proceeding ? SipCancelMatch.Pending : SipCancelMatch.AlreadyAnswered;
        }

        return SipCancelMatch.NoTransaction;
    }

    /// <summary>
    /// Sends a request in a new client transaction. <paramref name="branch"/> must be the top Via branch written
    /// in <paramref name="request"/> (see <see cref="NewBranch"/>). ACK for 2xx is not a transaction: use
    /// <see cref="ISipSender"/> directly.
    /// </summary>
    public SipClientTransaction SendRequest(
        string method, string branch, ReadOnlyMemory<byte> request, in SipPeer destination, ISipClientTransactionUser user)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(branch);
        ArgumentNullException.ThrowIfNull(user);
        if (string.Equals(method, "ACK", StringComparison.Ordinal))
        {
            throw new ArgumentException("ACK is sent without a client transaction.", nameof(method));
        }

        var key = ClientKey(branch, method);
        var transaction = new SipClientTransaction(this, key, method, branch, request, destination, user);
        if (!_client.TryAdd(key, transaction))
        {
            throw new InvalidOperationException($"A client transaction with branch {branch} and method {method} exists.");
        }

        transaction.Start();
        return transaction;
    }

    /// <summary>
    /// Feeds a received response. Returns the matched client transaction (which delivered it to its TU), or
    /// null for a stray response — a 2xx to INVITE after the transaction ended should go to the dialog layer.
    /// </summary>
    public SipClientTransaction? ReceiveResponse(in SipResponseInfo response)
    {
        if (response.Branch is null || !_client.TryGetValue(ClientKey(response.Branch, response.CSeqMethod), out var transaction))
        {
            return null;
        }

        transaction.OnResponse(response);
        return transaction;
    }

    /// <summary>
    /// UAS core (13.3.1.4): retransmits a 2xx to INVITE at T1, doubling to T2, until the ACK with the same
    /// Call-ID and CSeq arrives or 64*T1 passes (then <paramref name="onAckTimeout"/> runs and the UAS should
    /// send BYE). Over a reliable transport the 2xx is not retransmitted but the ACK wait still applies.
    /// </summary>
    public void RetransmitSuccessUntilAck(
        string callId, uint cseq, ReadOnlyMemory<byte> response, in SipPeer peer, Action? onAckTimeout = null)
    {
        var pending = new SuccessRetransmission(this, SuccessKey(callId, cseq), response, peer, onAckTimeout);
        if (_successes.TryGetValue(pending.Key, out var previous))
        {
            previous.Stop();
        }

        _successes[pending.Key] = pending;
        pending.Start();
    }

    internal void Remove(SipServerTransaction transaction)
        => ((ICollection<KeyValuePair<string, SipServerTransaction>>)_server).Remove(new(transaction.Key, transaction));

    internal void Remove(SipClientTransaction transaction)
        => ((ICollection<KeyValuePair<string, SipClientTransaction>>)_client).Remove(new(transaction.Key, transaction));

    internal void Remove(SuccessRetransmission pending)
        => ((ICollection<KeyValuePair<string, SuccessRetransmission>>)_successes).Remove(new(pending.Key, pending));

    internal void CountRetransmission() => Interlocked.Increment(ref _retransmissions);

    private static string ServerKey(in SipRequestInfo request, string method)
    {
        if (request.HasRfc3261Branch)
        {
            return string.Concat(request.Branch, "|", request.SentBy, "|", method);
        }

        // RFC 2543 fallback (17.2.3): Request-URI, From tag, Call-ID, CSeq number and top Via.
        return string.Concat(
            "2543|", request.RequestUri, "|", request.FromTag, "|", request.CallId, "|",
            request.CSeq.ToString(System.Globalization.CultureInfo.InvariantCulture), "|", request.SentBy, "|", request.Branch, "|", method);
    }

    private static string ClientKey(string branch, string method)
        => string.Concat(branch, "|", string.Equals(method, "ACK", StringComparison.Ordinal) ? "INVITE" : method);

    private static string SuccessKey(string callId, uint cseq)
        => string.Concat(callId, "|", cseq.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>One 2xx being retransmitted until its ACK (13.3.1.4).</summary>
internal sealed class SuccessRetransmission
{
    private readonly SipTransactionLayer _layer;
    private readonly ReadOnlyMemory<byte> _response;
    private readonly SipPeer _peer;
    private readonly Action? _onTimeout;
    private readonly SipTransactionTimer _retransmit;
    private readonly SipTransactionTimer _timeout;
    private readonly Lock _gate = new();
    private TimeSpan _interval;
    private bool _done;

    public SuccessRetransmission(SipTransactionLayer layer, string key, ReadOnlyMemory<byte> response, SipPeer peer, Action? onTimeout)
    {
        _layer = layer;
        Key = key;
        _response = response;
        _peer = peer;
        _onTimeout = onTimeout;
        _retransmit = new SipTransactionTimer(layer.Time, OnRetransmit);
        _timeout = new SipTransactionTimer(layer.Time, OnTimeout);
    }

    public string Key { get; }

    public void Start()
    {
        lock (_gate)
        {
            if (!_peer.IsReliable)
            {
                _interval = _layer.Timers.T1;
                _retransmit.Start(_interval);
            }

            _timeout.Start(_layer.Timers.Timeout64T1);
        }
    }

    /// <summary>Stops; true when this call stopped it (an ACK arrived in time).</summary>
    public bool Stop()
    {
        lock (_gate)
        {
            if (_done)
            {
                return false;
            }

            _done = true;
            _retransmit.Dispose();
            _timeout.Dispose();
            return true;
        }
    }

    private void OnRetransmit(int generation)
    {
        lock (_gate)
        {
            if (_done || generation != _retransmit.Generation)
            {
                return;
            }

            _layer.Sender.Send(_response, _peer);
            _interval = _interval * 2 < _layer.Timers.T2 ? _interval * 2 : _layer.Timers.T2;
            _retransmit.Start(_interval);
        }
    }

    private void OnTimeout(int generation)
    {
        if (generation != _timeout.Generation || !Stop())
        {
            return;
        }

        _layer.Remove(this);
        _layer.Metrics?.TransactionTimedOut("ack_wait");
        _onTimeout?.Invoke();
    }
}
