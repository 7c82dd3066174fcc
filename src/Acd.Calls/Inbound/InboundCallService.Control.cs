using Acd.Sip.Ua;

namespace Acd.Calls.Inbound;

// ICallControl and IConnectedCalls: the node's live calls as the API, the feature codes, the dialer and graceful
// shutdown see them. Reads are lock-free snapshots each call's actor rebuilds after every event; requests are
// posted to the call's actor, which does them in order with everything else that happens to the call.
public sealed partial class InboundCallService
{
    private volatile bool _draining;

    /// <inheritdoc />
    public bool Draining => _draining;

    /// <inheritdoc />
    public IReadOnlyList<ActiveCallInfo> ActiveCalls() => [.. _calls.Values.Select(c => c.Info).OrderBy(c => c.Arrived)];

    /// <inheritdoc />
    public ActiveCallInfo? Find(string callId) => callId is not null && _calls.TryGetValue(callId, out var call) ? call.Info : null;

    /// <inheritdoc />
    public ActiveCallInfo? FindByAgent(string agentId)
    {
        foreach (var call in _calls.Values)
        {
            var info = call.Info;
            if (info.AgentId == agentId && info.State is not ActiveCallState.Ending)
            {
                return info;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public Task<CallControlResult> HangupAsync(string callId, CancellationToken cancellationToken) =>
        Request(callId, done => new InboundCall.HangupRequested(done), cancellationToken);

    /// <inheritdoc />
    public Task<CallControlResult> TransferAsync(string callId, TransferTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Request(callId, done => new InboundCall.TransferRequested(target, null, done), cancellationToken);
    }

    /// <inheritdoc />
    public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SupervisionMode mode, CancellationToken cancellationToken) =>
        Request(callId, done => new InboundCall.SuperviseRequested(supervisorId, null, mode, done), cancellationToken);

    /// <inheritdoc />
    public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SipCall supervisorCall, SupervisionMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(supervisorCall);
        if (!_calls.ContainsKey(callId))
        {
            supervisorCall.Reject(404, "Not Found");
        }

        return Request(callId, done => new InboundCall.SuperviseRequested(supervisorId, supervisorCall, mode, done), cancellationToken);
    }

    /// <inheritdoc />
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _draining = true;
        Log.Draining(Logger, _calls.Count, PendingRecords, timeout);
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(timeout, Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        // What is left is hung up; every record is written, pending wrap-ups included.
        await HangupAllAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<ConnectedCallOutcome> ConnectAsync(SipCall call, IMediaSession media, ConnectedCallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(request);
        var connected = new InboundCall(this, call, media, request);
        if (!_calls.TryAdd(call.CallId, connected))
        {
            call.Hangup();
            _ = media.DisposeAsync().AsTask();
            return Task.FromResult(ConnectedCallOutcome.Refused);
        }

        Log.Connected(Logger, call.CallId, request.Direction, request.CallerId, request.Queue);
        _running[connected] = Task.Run(connected.RunAsync, CancellationToken.None);
        return connected.Handover!.WaitAsync(cancellationToken);
    }

    private Task<CallControlResult> Request(string callId, Func<TaskCompletionSource<CallControlResult>, object> request, CancellationToken cancellationToken)
    {
        if (callId is null || !_calls.TryGetValue(callId, out var call))
        {
            return Task.FromResult(CallControlResult.Fail(CallControlError.NotFound, "no such call on this node"));
        }

        var done = new TaskCompletionSource<CallControlResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        call.Post(request(done));

        // The call may end before it handles the request: its end fails every request still waiting.
        call.Completion.ContinueWith(static (_, s) => ((TaskCompletionSource<CallControlResult>)s!).TrySetResult(
            CallControlResult.Fail(CallControlError.NotFound, "the call ended")), done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return done.Task.WaitAsync(cancellationToken);
    }
}
