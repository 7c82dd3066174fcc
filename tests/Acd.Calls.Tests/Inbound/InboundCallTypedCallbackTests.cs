using System.Text;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Ivr.Scripting;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

// Keep-my-place callbacks to a number typed in the IVR (not the caller ID): handed to ICallbackScheduler (the dialer),
// the queue left, the call ended with outcome callback and reason callback-scheduled or callback-refused: <why>.
public sealed partial class InboundCallTests
{
    private const string Typed = "2125550100";

    private FakeCallbackScheduler? _callbackScheduler = new();

    [Fact]
    public async Task StartCallback_TypedNumberAccepted_HandedToSchedulerAndEndedCallbackScheduled()
    {
        var arrived = _net.Time.GetUtcNow();
        var caller = await CallThroughAsync(await ScriptAsync("start: cb\nnodes:\n  cb:\n    kind: callback\n    queue: support\n    number: \"'" + Typed + "'\"\n"));
        var record = await RecordAsync();
        await UntilAsync(() => caller.State == SipCallState.Ended, "the caller's BYE");

        var request = Assert.Single(_callbackScheduler!.Requests);
        Assert.Equal((caller.CallId, Typed, "support", Caller), (request.CallId, request.Number, request.Queue, request.CallerId));
        Assert.Equal(arrived, request.Arrived);
        Assert.Equal(CallOutcome.Callback, record.Outcome);
        Assert.Equal("callback-scheduled", record.Reason);
        Assert.Contains(record.Events, e => e.Kind == "callback-scheduled");
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EnqueueAsync)));
        Assert.Equal(0, _net.CountDelivered("INVITE ", PhonePort));
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task StartCallback_TypedNumberFromTheQueue_LeavesTheQueueAndKeepsTheQueuedTime()
    {
        var script = await ScriptAsync(
            "start: wait\nnodes:\n  wait:\n    kind: queue\n    queue: support\n    exit_key: \"*\"\n    on_exit: cb\n" +
            "  cb:\n    kind: callback\n    queue: support\n    number: \"'" + Typed + "'\"\n");
        var caller = await CallInAsync(script);
        var queued = _net.Time.GetUtcNow();
        _net.Time.Advance(TimeSpan.FromSeconds(30));

        var status = caller.SendRequestAsync("INFO", "application/dtmf-relay", Encoding.ASCII.GetBytes("Signal=*\r\nDuration=160\r\n"));
        var record = await RecordAsync();

        Assert.True(status.IsCompleted);
        var request = Assert.Single(_callbackScheduler!.Requests);
        Assert.Equal(queued, request.Arrived);
        Assert.Equal([(caller.CallId, null)], _queues.Of(nameof(ICallQueues.AbandonAsync)));
        Assert.Equal((CallOutcome.Callback, "callback-scheduled"), (record.Outcome, record.Reason));
        Assert.Equal("support", record.Queue);
    }

    [Fact]
    public async Task StartCallback_SchedulerRefuses_EndedCallbackRefusedWithTheReason()
    {
        _callbackScheduler!.Refusal = "'12' is not a valid phone number";
        await CallThroughAsync(await ScriptAsync("start: cb\nnodes:\n  cb:\n    kind: callback\n    queue: support\n    number: \"'12'\"\n"));
        var record = await RecordAsync();

        Assert.Equal(CallOutcome.Callback, record.Outcome);
        Assert.Equal("callback-refused: '12' is not a valid phone number", record.Reason);
        Assert.Contains(record.Events, e => e.Kind == "callback-refused");
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.EnqueueAsync)));
    }

    [Fact]
    public async Task StartCallback_TypedNumberWithoutScheduler_EndedCallbackRefusedNoDialer()
    {
        _callbackScheduler = null;
        await CallThroughAsync(await ScriptAsync("start: cb\nnodes:\n  cb:\n    kind: callback\n    queue: support\n    number: \"'" + Typed + "'\"\n"));
        var record = await RecordAsync();

        Assert.Equal(CallOutcome.Callback, record.Outcome);
        Assert.Equal("callback-refused: no callback dialer on this node", record.Reason);
        Assert.Equal(0, _net.CountDelivered("INVITE ", PhonePort));
    }

    [Fact]
    public async Task StartCallback_CallerIdNumber_StaysOnTheSipPathWithoutTheScheduler()
    {
        var caller = await CallThroughAsync(await ScriptAsync("start: cb\nnodes:\n  cb:\n    kind: callback\n    queue: support\n"));
        await UntilAsync(() => caller.State == SipCallState.Ended && _queues.Count(nameof(ICallQueues.EnqueueAsync)) == 1, "the caller's BYE and the enqueue");
        await BarrierAsync(caller.CallId);

        Assert.Empty(_callbackScheduler!.Requests);
        Assert.Equal(0, _queues.Count(nameof(ICallQueues.AbandonAsync)));
        Assert.Empty(_records.All); // waiting for its place: the agent is rung first, then the caller's Contact
    }

    private async Task<IvrScript> ScriptAsync(string yaml)
    {
        var file = Path.Combine(_dir, "typed-callback-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        await File.WriteAllTextAsync(file, yaml);
        var loaded = IvrScriptLoader.LoadFile(file, IvrPromptLibrary.FromDirectory(_dir), _net.Time.GetUtcNow());
        Assert.True(loaded.Succeeded, string.Join(Environment.NewLine, loaded.Diagnostics));
        return loaded.Script!;
    }

    /// <summary>A caller dials in and the script runs (no queue expected).</summary>
    private async Task<SipCall> CallThroughAsync(IvrScript script)
    {
        var caller = Dial(CallerOffer);
        _net.Pump();
        Service.Accept(LoopbackSipNetwork.Incoming(_acd, "the ACD"), script, null);
        await UntilAsync(() => caller.State is SipCallState.Answered or SipCallState.Ended, "the caller answered");
        return caller;
    }
}
