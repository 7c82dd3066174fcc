namespace Acd.Sip.Transactions;

/// <summary>States of client transactions (RFC 3261 17.1, RFC 6026 Accepted).</summary>
public enum SipClientTransactionState
{
    /// <summary>INVITE sent, no response yet (timers A, B).</summary>
    Calling,

    /// <summary>Non-INVITE sent, no response yet (timers E, F).</summary>
    Trying,

    /// <summary>A provisional response arrived.</summary>
    Proceeding,

    /// <summary>A final (non-2xx for INVITE) arrived; absorbing retransmissions (timers D, K).</summary>
    Completed,

    /// <summary>INVITE: a 2xx arrived (RFC 6026); further 2xx go to the TU until timer M.</summary>
    Accepted,

    /// <summary>Done; removed from the layer.</summary>
    Terminated,
}

/// <summary>The transaction user of a client transaction (the UA core, a dialog, the registrar client).</summary>
public interface ISipClientTransactionUser
{
    /// <summary>
    /// A response for the TU: every provisional, the first final, and for INVITE every 2xx (retransmissions and
    /// forks included — the dialog layer sends their ACKs). Called outside the transaction's lock.
    /// </summary>
    void OnResponse(SipClientTransaction transaction, in SipResponseInfo response);

    /// <summary>Timer B or F fired: no final response (the TU acts as if a 408 arrived).</summary>
    void OnTimeout(SipClientTransaction transaction);

    /// <summary>Builds the ACK for a non-2xx final response to an INVITE (RFC 3261 17.1.1.3); same branch as the INVITE.</summary>
    ReadOnlyMemory<byte> BuildAckForFailure(SipClientTransaction transaction, in SipResponseInfo response);
}

/// <summary>
/// One client transaction. Retransmits the request over UDP (A or E), times out (B or F), sends the ACK for
/// non-2xx INVITE finals and resends it for their retransmissions (D), absorbs non-INVITE final
/// retransmissions (K).
/// </summary>
public sealed class SipClientTransaction
{
    private readonly SipTransactionLayer _layer;
    private readonly ISipClientTransactionUser _user;
    private readonly Lock _gate = new();
    private readonly SipTransactionTimer _retransmit;
    private readonly SipTransactionTimer _timeout;
    private ReadOnlyMemory<byte> _ack;
    private TimeSpan _interval;

    internal SipClientTransaction(
        SipTransactionLayer layer, string key, string method, string branch, ReadOnlyMemory<byte> request, SipPeer destination,
        ISipClientTransactionUser user)
    {
        _layer = layer;
        Key = key;
        Method = method;
        Branch = branch;
        RequestBytes = request;
        Destination = destination;
        _user = user;
        IsInvite = string.Equals(method, "INVITE", StringComparison.Ordinal);
        State = IsInvite ? SipClientTransactionState.Calling : SipClientTransactionState.Trying;
        _retransmit = new SipTransactionTimer(layer.Time, OnRetransmitTimer);
        _timeout = new SipTransactionTimer(layer.Time, OnTimeoutTimer);
    }

    internal string Key { get; }

    /// <summary>The request method.</summary>
    public string Method { get; }

    /// <summary>The top Via branch of the request.</summary>
    public string Branch { get; }

    /// <summary>The serialized request (kept for retransmission and for building CANCEL/ACK).</summary>
    public ReadOnlyMemory<byte> RequestBytes { get; }

    /// <summary>Where the request went.</summary>
    public SipPeer Destination { get; }

    /// <summary>True for INVITE client transactions.</summary>
    public bool IsInvite { get; }

    /// <summary>Current state.</summary>
    public SipClientTransactionState State { get; private set; }

    /// <summary>Status of the last response received, 0 before any.</summary>
    public int LastStatusCode { get; private set; }

    /// <summary>An optional object the TU attaches (its call or dialog).</summary>
    public object? UserState { get; set; }

    /// <summary>A CANCEL may be sent only once a provisional response arrived (RFC 3261 9.1).</summary>
    public bool CanCancel => IsInvite && State == SipClientTransactionState.Proceeding;

    internal void Start()
    {
        lock (_gate)
        {
            _layer.Sender.Send(RequestBytes, Destination);
            if (!Destination.IsReliable)
            {
                _interval = _layer.Timers.T1;
                _retransmit.Start(_interval);
            }

            _timeout.Start(_layer.Timers.Timeout64T1);
        }
    }

    internal void OnResponse(in SipResponseInfo response)
    {
        var deliver = false;
        var terminate = false;
        lock (_gate)
        {
            switch (State)
            {
                case SipClientTransactionState.Calling or SipClientTransactionState.Trying or SipClientTransactionState.Proceeding:
                    LastStatusCode = response.StatusCode;
                    deliver = true;
                    if (response.IsProvisional)
                    {
                        if (IsInvite)
                        {
                            // 17.1.1.2: stop retransmitting; the UA waits for a final (timer B no longer applies).
                            _retransmit.Stop();
                            _timeout.Stop();
                        }
                        else if (State == SipClientTransactionState.Trying && !Destination.IsReliable)
                        {
                            // 17.1.2.2: keep retransmitting at T2 in Proceeding.
                            _interval = _layer.Timers.T2;
                            _retransmit.Start(_interval);
                        }

                        State = SipClientTransactionState.Proceeding;
                        break;
                    }

                    _retransmit.Stop();
                    if (IsInvite && response.IsSuccess)
                    {
                        State = SipClientTransactionState.Accepted;
                        _timeout.Start(_layer.Timers.Timeout64T1);
                    }
                    else if (IsInvite)
                    {
                        State = SipClientTransactionState.Completed;
                        _ack = _user.BuildAckForFailure(this, response);
                        _layer.Sender.Send(_ack, Destination);
                        if (Destination.IsReliable)
                        {
                            terminate = true;
                        }
                        else
                        {
                            _timeout.Start(_layer.Timers.TimerD);
                        }
                    }
                    else
                    {
                        State = SipClientTransactionState.Completed;
                        if (Destination.IsReliable)
                        {
                            terminate = true;
                        }
                        else
                        {
                            _timeout.Start(_layer.Timers.T4);
                        }
                    }

                    break;

                case SipClientTransactionState.Completed:
                    // Retransmitted final: resend the ACK for INVITE, absorb otherwise.
                    if (IsInvite && !response.IsProvisional && !_ack.IsEmpty)
                    {
                        _layer.Sender.Send(_ack, Destination);
                    }

                    break;

                case SipClientTransactionState.Accepted:
                    // RFC 6026: 2xx retransmissions and forked 2xx go to the TU (which ACKs them).
                    deliver = response.IsSuccess;
                    break;
            }
        }

        if (deliver)
        {
            _user.OnResponse(this, response);
        }

        if (terminate)
        {
            Terminate();
        }
    }

    /// <summary>Ends the transaction now (e.g. the TU gives up); no callbacks follow.</summary>
    public void Terminate()
    {
        lock (_gate)
        {
            if (State == SipClientTransactionState.Terminated)
            {
                return;
            }

            State = SipClientTransactionState.Terminated;
            _retransmit.Dispose();
            _timeout.Dispose();
        }

        _layer.Remove(this);
    }

    private void OnRetransmitTimer(int generation)
    {
        lock (_gate)
        {
            if (generation != _retransmit.Generation
                || State is not (SipClientTransactionState.Calling or SipClientTransactionState.Trying or SipClientTransactionState.Proceeding))
            {
                return;
            }

            _layer.Sender.Send(RequestBytes, Destination);
            _layer.CountRetransmission();
            if (IsInvite)
            {
                _interval *= 2; // Timer A doubles without a cap (bounded by B).
            }
            else
            {
                _interval = _interval * 2 < _layer.Timers.T2 ? _interval * 2 : _layer.Timers.T2; // Timer E
            }

            _retransmit.Start(_interval);
        }
    }

    private void OnTimeoutTimer(int generation)
    {
        bool timedOut;
        lock (_gate)
        {
            if (generation != _timeout.Generation || State == SipClientTransactionState.Terminated)
            {
                return;
            }

            timedOut = State is SipClientTransactionState.Calling or SipClientTransactionState.Trying or SipClientTransactionState.Proceeding;
        }

        if (timedOut)
        {
            _layer.Metrics?.TransactionTimedOut(IsInvite ? "client_invite" : "client_non_invite");
            Terminate();
            _user.OnTimeout(this);
            return;
        }

        Terminate();
    }
}
