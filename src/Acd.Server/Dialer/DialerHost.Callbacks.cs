using Acd.Dialer.Callbacks;
using Acd.Routing;

namespace Acd.Server.Dialer;

/// <summary>
/// Callbacks on the node: scheduled callbacks (API <c>POST /api/callbacks</c>) and keep-my-place callbacks to typed
/// numbers are dialed by a <see cref="CallbackDialer"/> through the trunks of the <c>external</c> policy (its
/// <c>callerId</c>), on the pacing loop's tick, and handed to the queue flow (<c>IConnectedCalls</c>) at priority 9 with the
/// original arrival; each attempt is an attempt record of campaign <c>callback</c>.
/// </summary>
/// <remarks>
/// How this fits the inbound "keep my place" flow (InboundCall.StartCallbackAsync): today the caller hangs up, the call's
/// queue entry keeps its place, and when routing offers it the agent is rung first, then the caller is called back on the
/// SIP Contact they came from; a number typed in the IVR (collect node storing <c>callback_number</c>) different from the
/// caller ID ends <c>callback-no-route</c>. Those typed numbers belong here: the call flow should hand them to the dialer as
/// a <see cref="CallbackKind.KeepMyPlace"/> request (At = the caller's original arrival, Queue, the number normalised to
/// E.164) through a port it owns (e.g. an <c>ICallbackScheduler</c> beside <c>IExternalDialer</c> in CallControl.cs,
/// implemented by <see cref="CallbackDialer.Schedule"/>), and leave the queue; the dialer then dials it when no caller who
/// joined earlier still waits and an agent is free, and the queue flow routes it at priority 9 with Arrived = the original
/// arrival, so the wait already done counts. That port is the call-flow owner's change, not made here.
/// </remarks>
internal sealed partial class DialerHost
{
    private CallbackDialer? _callbacks;

    /// <summary>The callback dialer, once started.</summary>
    public CallbackDialer? Callbacks => _callbacks;

    private void StartCallbacks()
    {
        var external = _config.External;
        var options = new CallbackDialOptions
        {
            Enabled = external.Enabled,
            CallerId = external.CallerId,
            Trunks = external.Trunks,
            AllowedRegions = external.AllowedRegions,
        };
        _callbacks = new CallbackDialer(options, _layer!, Trunks, Authorizer, _services.GetRequiredService<IQueueStore>(), _time, _loggers.CreateLogger<CallbackDialer>())
        {
            AttemptRecorded = a => Record(new DialAttemptRecord(
                "callback", a.Request.Id, a.Request.E164, a.CallId, _options.NodeName, a.Started, a.Ended, a.Outcome.ToString(), a.Trunk)),
        };
    }

    private async Task TickCallbacksAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_callbacks is { } callbacks)
            {
                await callbacks.TickAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            TickFailed(_logger, e, "callback");
        }
    }

    private Task DrainCallbacksAsync() => _callbacks?.DrainAsync() ?? Task.CompletedTask;
}
