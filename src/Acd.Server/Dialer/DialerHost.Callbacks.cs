using Acd.Dialer.Callbacks;
using Acd.Routing;

namespace Acd.Server.Dialer;

/// <summary>
/// Callbacks on the node: scheduled callbacks (API <c>POST /api/callbacks</c>) and keep-my-place callbacks to typed
/// numbers are dialed by a <see cref="CallbackDialer"/> through the trunks of the <c>external</c> policy (its
/// <c>callerId</c>), on the pacing loop's tick, and handed to the queue flow (<c>IConnectedCalls</c>) at priority 9 with the
/// original arrival; each attempt is an attempt record of campaign <c>callback</c>.
/// </summary>
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
