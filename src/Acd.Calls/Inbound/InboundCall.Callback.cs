using Acd.Calls.Records;

namespace Acd.Calls.Inbound;

// Keep-my-place callbacks to a number typed in the IVR: the caller's SIP path cannot reach it, so the call hands it to the
// dialer (ICallbackScheduler), leaves the queue and ends; the dialer calls the number through the trunks when the caller's
// place comes up and hands the answered call back to the queue flow at priority 9 with the original arrival.
internal sealed partial class InboundCall
{
    private async Task ScheduleTypedCallbackAsync(Acd.Ivr.Runtime.IvrCallbackOutcome cb)
    {
        _queue ??= cb.Queue;
        _parkedOffer = null;
        var arrived = _enqueued ?? _arrived;

        // Leaving the queue is an abandon for routing (ICallQueues has no other way out): the queue's abandoned count
        // includes it, while the call's record and acd_calls_total say callback.
        await LeaveQueueAsync().ConfigureAwait(false);
        string? refusal;
        if (_service.Callbacks is { } callbacks)
        {
            try
            {
                refusal = callbacks.Schedule(new TypedCallback
                {
                    CallId = CallId,
                    Number = cb.Number,
                    Queue = cb.Queue,
                    Arrived = arrived,
                    CallerId = CallerId,
                    CallerName = CallerName,
                });
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                refusal = e.Message;
            }
        }
        else
        {
            refusal = "no callback dialer on this node";
        }

        if (refusal is null)
        {
            Event("callback-scheduled", cb.Queue + " " + cb.Number);
            End(CallOutcome.Callback, "callback-scheduled");
        }
        else
        {
            Event("callback-refused", refusal);
            End(CallOutcome.Callback, "callback-refused: " + refusal);
        }
    }
}
