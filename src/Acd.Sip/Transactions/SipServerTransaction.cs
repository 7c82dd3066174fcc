namespace Acd.Sip.Transactions;

/// <summary>States of server transactions (RFC 3261 17.2, RFC 6026 Accepted).</summary>
public enum SipServerTransactionState
{
    /// <summary>Non-INVITE: request received, no response yet.</summary>
    Trying,

    /// <summary>A provisional response was sent (INVITE starts here).</summary>
    Proceeding,

    /// <summary>A final non-2xx response (INVITE) or any final (non-INVITE) was sent; absorbing retransmissions.</summary>
    Completed,

    /// <summary>INVITE: the ACK arrived; absorbing ACK retransmissions until timer I.</summary>
    Confirmed,

    /// <summary>INVITE: a 2xx was sent (RFC 6026); absorbing INVITE retransmissions until timer L.</summary>
    Accepted,

    /// <summary>Done; removed from the layer.</summary>
    Terminated,
}

/// <summary>
/// One server transaction (INVITE or non-INVITE). The TU answers with <see cref="Respond"/>; the transaction
/// resends the last response on request retransmissions and runs timers G/H/I (INVITE), J (non-INVITE), L (2xx).
/// </summary>
public sealed class SipServerTransaction
{
    private readonly SipTransactionLayer _layer;
    private readonly Lock _gate = new();
    private readonly SipTransactionTimer _retransmit;
    private readonly SipTransactionTimer _timeout;
    private ReadOnlyMemory<byte> _lastResponse;
    private ReadOnlyMemory<byte> _tryingResponse;
    private TimeSpan _interval;

    internal SipServerTransaction(SipTransactionLayer layer, string key, in SipRequestInfo request)
    {
        _layer = layer;
        Key = key;
        Method = request.Method;
        IsInvite = string.Equals(request.Method, "INVITE", StringComparison.Ordinal);
        Peer = request.ResponsePeer;
        Request = request;
        State = IsInvite ? SipServerTransactionState.Proceeding : SipServerTransactionState.Trying;
        _retransmit = new SipTransactionTimer(layer.Time, OnRetransmitTimer);
        _timeout = new SipTransactionTimer(layer.Time, OnTimeoutTimer);
    }

    /// <summary>The matching key in the layer.</summary>
    internal string Key { get; }

    /// <summary>The request method.</summary>
    public string Method { get; }

    /// <summary>True for INVITE server transactions.</summary>
    public bool IsInvite { get; }

    /// <summary>Where responses go.</summary>
    public SipPeer Peer { get; }

    /// <summary>The matching fields of the request that created the transaction.</summary>
    public SipRequestInfo Request { get; }

    /// <summary>Current state.</summary>
    public SipServerTransactionState State { get; private set; }

    /// <summary>Status code of the last response sent, 0 before any.</summary>
    public int LastStatusCode { get; private set; }

    /// <summary>True when timer H fired (no ACK for a non-2xx final) — the TU learns through <see cref="TimedOut"/>.</summary>
    public bool HasTimedOut { get; private set; }

    /// <summary>Raised (on a timer thread) when timer H fires: the ACK never came.</summary>
    public event Action<SipServerTransaction>? TimedOut;

    /// <summary>
    /// Sends a response through the transaction. Returns false (and sends nothing) when the transaction
    /// already sent a final response or has terminated.
    /// </summary>
    public bool Respond(int statusCode, ReadOnlyMemory<byte> response)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        var terminate = false;
        lock (_gate)
        {
            if (State is not (SipServerTransactionState.Trying or SipServerTransactionState.Proceeding))
            {
                return false;
            }

            _lastResponse = response;
            LastStatusCode = statusCode;
            _layer.Sender.Send(response, Peer);
            _layer.Metrics?.Response(statusCode);
            if (statusCode < 200)
            {
                State = SipServerTransactionState.Proceeding;
                return true;
            }

            var t = _layer.Timers;
            if (IsInvite && statusCode < 300)
            {
                // RFC 6026: Accepted absorbs INVITE retransmissions; 2xx retransmission is the UAS core's job.
                State = SipServerTransactionState.Accepted;
                _retransmit.Stop();
                _timeout.Start(t.Timeout64T1);
            }
            else if (IsInvite)
            {
                State = SipServerTransactionState.Completed;
                if (!Peer.IsReliable)
                {
                    _interval = t.T1;
                    _retransmit.Start(_interval);
                }
                else
                {
                    _retransmit.Stop();
                }

                _timeout.Start(t.Timeout64T1);
            }
            else
            {
                State = SipServerTransactionState.Completed;
                if (Peer.IsReliable)
                {
                    terminate = true;
                }
                else
                {
                    _timeout.Start(t.Timeout64T1);
                }
            }
        }

        if (terminate)
        {
            Terminate();
        }

        return true;
    }

    /// <summary>
    /// Arms the automatic 100 Trying: if the TU has not responded within <see cref="SipTimerOptions.TryingDelay"/>,
    /// <paramref name="trying"/> is sent (RFC 3261 17.2.1).
    /// </summary>
    public void ArmTrying(ReadOnlyMemory<byte> trying)
    {
        lock (_gate)
        {
            if (!IsInvite || State != SipServerTransactionState.Proceeding || LastStatusCode != 0)
            {
                return;
            }

            _tryingResponse = trying;
            if (_layer.Timers.TryingDelay == TimeSpan.Zero)
            {
                SendTryingLocked();
            }
            else
            {
                _retransmit.Start(_layer.Timers.TryingDelay);
            }
        }
    }

    /// <summary>A retransmission of the request arrived: resend the last response (17.2.1, 17.2.2).</summary>
    internal void OnRequestRetransmission()
    {
        lock (_gate)
        {
            if (State is SipServerTransactionState.Proceeding or SipServerTransactionState.Completed && !_lastResponse.IsEmpty)
            {
                _layer.Sender.Send(_lastResponse, Peer);
            }
        }
    }

    /// <summary>An ACK matched this INVITE transaction. Returns true when it was absorbed (non-2xx).</summary>
    internal bool OnAck()
    {
        var terminate = false;
        lock (_gate)
        {
            if (State == SipServerTransactionState.Completed)
            {
                State = SipServerTransactionState.Confirmed;
                _retransmit.Stop();
                if (Peer.IsReliable)
                {
                    terminate = true;
                }
                else
                {
                    _timeout.Start(_layer.Timers.T4);
                }
            }
            else if (State != SipServerTransactionState.Confirmed)
            {
                return false;
            }
        }

        if (terminate)
        {
            Terminate();
        }

        return true;
    }

    private void SendTryingLocked()
    {
        if (LastStatusCode == 0 && !_tryingResponse.IsEmpty)
        {
            _lastResponse = _tryingResponse;
            LastStatusCode = 100;
            _layer.Sender.Send(_tryingResponse, Peer);
            _layer.Metrics?.Response(100);
        }
    }

    private void OnRetransmitTimer(int generation)
    {
        lock (_gate)
        {
            if (generation != _retransmit.Generation)
            {
                return;
            }

            if (State == SipServerTransactionState.Proceeding)
            {
                SendTryingLocked();
                return;
            }

            if (State != SipServerTransactionState.Completed)
            {
                return;
            }

            // Timer G: resend the final response, doubling up to T2.
            _layer.Sender.Send(_lastResponse, Peer);
            _interval = _interval * 2 < _layer.Timers.T2 ? _interval * 2 : _layer.Timers.T2;
            _retransmit.Start(_interval);
        }
    }

    private void OnTimeoutTimer(int generation)
    {
        var timedOut = false;
        lock (_gate)
        {
            if (generation != _timeout.Generation || State == SipServerTransactionState.Terminated)
            {
                return;
            }

            if (IsInvite && State == SipServerTransactionState.Completed)
            {
                // Timer H: the ACK never arrived.
                HasTimedOut = true;
                timedOut = true;
            }
        }

        if (timedOut)
        {
            _layer.Metrics?.TransactionTimedOut("server_invite");
            TimedOut?.Invoke(this);
        }

        Terminate();
    }

    /// <summary>Ends the transaction now (timers stopped, removed from the layer).</summary>
    internal void Terminate()
    {
        lock (_gate)
        {
            if (State == SipServerTransactionState.Terminated)
            {
                return;
            }

            State = SipServerTransactionState.Terminated;
            _retransmit.Dispose();
            _timeout.Dispose();
        }

        _layer.Remove(this);
    }
}
