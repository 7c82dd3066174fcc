using Acd.Calls.Inbound;
using Acd.Dialer.Callbacks;
using Acd.Dialer.Compliance;
using Acd.Routing;

namespace Acd.Server.Dialer;

/// <summary>
/// Callbacks on the node: scheduled callbacks (API <c>POST /api/callbacks</c>) and keep-my-place callbacks to typed
/// numbers are dialed by a <see cref="CallbackDialer"/> through the trunks of the <c>external</c> policy (its
/// <c>callerId</c>), on the pacing loop's tick, and handed to the queue flow (<c>IConnectedCalls</c>) at priority 9 with the
/// original arrival; each attempt is an attempt record of campaign <c>callback</c>.
/// </summary>
/// <remarks>
/// The inbound "keep my place" flow (InboundCall.StartCallbackAsync) calls the caller back on the SIP Contact they came
/// from when the callback number is the caller ID; a number typed in the IVR (collect node, callback node
/// <c>number: callback_number</c>) goes through <see cref="ICallbackScheduler"/> (<see cref="DialerCallbackScheduler"/>):
/// normalised to E.164, scheduled here as a <see cref="CallbackKind.KeepMyPlace"/> request with At = the caller's original
/// arrival, and the inbound call leaves the queue and ends (record: outcome callback, reason callback-scheduled). The
/// dialer dials it when no caller who joined earlier still waits and an agent is free; the queue flow routes it at
/// priority 9 with Arrived = the original arrival. With Redis, pending callbacks are kept in <c>acd:dialer:callbacks</c>
/// and restored at start.
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
            Saved = _store.SaveCallback,
            Removed = _store.RemoveCallback,
        };
    }

    /// <summary>Puts back the callbacks pending before the restart (Redis); returns how many.</summary>
    private async Task<int> RestoreCallbacksAsync()
    {
        var restored = 0;
        foreach (var request in await _store.LoadCallbacksAsync().ConfigureAwait(false))
        {
            if (_callbacks?.Restore(request) == true)
            {
                restored++;
            }
        }

        if (restored > 0)
        {
            CallbacksRestored(_logger, restored);
        }

        return restored;
    }

    /// <summary>Removes a campaign's own do-not-call entry (never an opt-out), from the store too; null when there is none.</summary>
    public DncEntry? RemoveDoNotCall(string e164, string campaign) => _dnc.RemoveCampaignEntry(e164, campaign);

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

    [LoggerMessage(EventId = 6219, Level = LogLevel.Information, Message = "Dialer: {Count} pending callbacks restored from the store")]
    private static partial void CallbacksRestored(ILogger logger, int count);
}
