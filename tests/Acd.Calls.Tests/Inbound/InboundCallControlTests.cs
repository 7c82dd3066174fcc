using System.Text;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Sip.Ua;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Calls.Tests.Inbound;

// IConnectedCalls (answered outbound/callback calls into the queue flow) and ICallControl (snapshots, hangup, drain).
public sealed partial class InboundCallTests
{
    [Fact]
    public async Task ConnectAsync_AgentAnswers_QueuesWithTheArrivalRingsWithScreenPopAndCompletesWithAgent()
    {
        var arrived = _net.Time.GetUtcNow() - TimeSpan.FromMinutes(5);
        var (customer, connecting) = await ConnectAsync(new ConnectedCallRequest
        {
            Queue = "support",
            CallerId = "+15559876543",
            Direction = "callback",
            Campaign = "renewals",
            Priority = 7,
            Arrived = arrived,
            Data = new Dictionary<string, string> { ["Account"] = "A-42", ["bad key"] = "x", ["Note"] = "two\r\nlines" },
        });

        var enqueue = Assert.Single(_queues.All, c => c.Method == nameof(ICallQueues.EnqueueAsync));
        Assert.Equal(("support", 7, arrived), (enqueue.Queue, enqueue.Priority, enqueue.Arrived));
        var phone = await OfferAsync(customer.CallId);
        var invite = phone.Invite!;
        Assert.True(invite.TryGetField("X-Acd-Data-Account"u8, out var account));
        Assert.Equal("A-42", invite.GetValueString(account));
        Assert.True(invite.TryGetField("X-Acd-Data-Note"u8, out var note));
        Assert.Equal("twolines", invite.GetValueString(note));
        Assert.True(invite.TryGetField("X-Acd-Campaign"u8, out var campaign));
        Assert.Equal("renewals", invite.GetValueString(campaign));
        Assert.False(invite.TryGetField("X-Acd-Data-bad key"u8, out _));
        Assert.False(connecting.IsCompleted);

        await AnswerAsync(phone);
        Assert.Equal(ConnectedCallOutcome.Agent, await connecting.WaitAsync(TimeSpan.FromSeconds(5)));

        customer.Hangup();
        await UntilAsync(() => Service.PendingRecords == 1, "the pending record");
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal(("callback", "renewals"), (record.Direction, record.Campaign));
        Assert.Equal(arrived, record.Arrived);
        Assert.Equal(CallOutcome.Answered, record.Outcome);
        Assert.Equal(Agent, record.Agent);
    }

    [Fact]
    public async Task ConnectAsync_MaxWaitWithoutAnAgent_ByesTheCallAndCompletesAbandoned()
    {
        var (customer, connecting) = await ConnectAsync(new ConnectedCallRequest { Queue = "support", CallerId = "+15559876543", MaxWait = TimeSpan.FromSeconds(30) });

        _net.Advance(TimeSpan.FromSeconds(30) - Step);
        await BarrierAsync(customer.CallId);
        Assert.False(connecting.IsCompleted);
        _net.Advance(Step);

        Assert.Equal(ConnectedCallOutcome.Abandoned, await UntilCompletedAsync(connecting));
        await UntilAsync(() => customer.State == SipCallState.Ended, "the customer's BYE");
        var record = await RecordAsync();
        Assert.Equal((CallOutcome.Abandoned, "max-wait", "outbound"), (record.Outcome, record.Reason, record.Direction));
        Assert.Equal([(customer.CallId, null)], _queues.Of(nameof(ICallQueues.AbandonAsync)));
        Assert.True(_media.AllDisposed);
    }

    [Fact]
    public async Task ConnectAsync_MaxWaitWithAnAbandonPrompt_PlaysItThenByes()
    {
        await WriteToneAsync(Path.Combine(_dir, "sorry.wav"), TimeSpan.FromSeconds(2));
        var (customer, connecting) = await ConnectAsync(new ConnectedCallRequest
        {
            Queue = "support", CallerId = "+15559876543", MaxWait = TimeSpan.FromSeconds(30), AbandonPrompt = "sorry.wav",
        });

        _net.Advance(TimeSpan.FromSeconds(30));
        await BarrierAsync(customer.CallId);
        Assert.Equal(ActiveCallState.Ending, Service.Find(customer.CallId)!.State);
        Assert.Equal(0, _net.CountDelivered("BYE ", CallerPort));
        _net.Advance(TimeSpan.FromSeconds(2.5));

        Assert.Equal(ConnectedCallOutcome.Abandoned, await UntilCompletedAsync(connecting));
        await UntilAsync(() => customer.State == SipCallState.Ended, "the customer's BYE");
    }

    [Fact]
    public async Task ConnectAsync_CustomerHangsUpWhileQueued_CompletesHungUp()
    {
        var (customer, connecting) = await ConnectAsync(new ConnectedCallRequest { Queue = "support", CallerId = "+15559876543" });

        customer.Hangup();

        Assert.Equal(ConnectedCallOutcome.HungUp, await UntilCompletedAsync(connecting));
        Assert.Equal(CallOutcome.Abandoned, (await RecordAsync()).Outcome);
    }

    [Fact]
    public async Task ConnectAsync_UnknownQueue_CompletesRefusedAndByes()
    {
        var caller = Dial(CallerOffer);
        _net.Pump();
        var call = LoopbackSipNetwork.Incoming(_acd, "the ACD");
        Assert.True(call.Answer(Encoding.UTF8.GetBytes(CallerOffer)));
        var outcome = Service.ConnectAsync(call, _media.Create("x")!, new ConnectedCallRequest { Queue = "nope", CallerId = "1" }, CancellationToken.None);

        Assert.Equal(ConnectedCallOutcome.Refused, await UntilCompletedAsync(outcome));
        await UntilAsync(() => caller.State == SipCallState.Ended, "the BYE");
        Assert.Equal("unknown-queue", (await RecordAsync()).Reason);
    }

    [Fact]
    public async Task ActiveCalls_QueuedRingingTalking_SnapshotsFollowTheCall()
    {
        var caller = await CallInAsync();
        var queued = Assert.Single(Service.ActiveCalls());
        Assert.Equal((caller.CallId, ActiveCallState.Queued, "support", Caller), (queued.CallId, queued.State, queued.Queue, queued.CallerId));
        Assert.Null(Service.FindByAgent(Agent));

        var phone = await OfferAsync(caller.CallId);
        Assert.Equal(ActiveCallState.Ringing, Service.Find(caller.CallId)!.State);
        Assert.Equal(caller.CallId, Service.FindByAgent(Agent)!.CallId);

        await AnswerAsync(phone);
        await BarrierAsync(caller.CallId);
        var talking = Service.Find(caller.CallId)!;
        Assert.Equal((ActiveCallState.Talking, Agent), (talking.State, talking.AgentId));
        Assert.NotNull(talking.Answered);
        Assert.Null(Service.Find("nope"));
    }

    [Fact]
    public async Task HangupAsync_TalkingCall_ByesBothLegsAndRecordsTheApiHangup()
    {
        var caller = await CallInAsync();
        var phone = await OfferAsync(caller.CallId);
        await AnswerAsync(phone);

        var result = await UntilCompletedAsync(Service.HangupAsync(caller.CallId, CancellationToken.None));

        Assert.True(result.Succeeded);
        await UntilAsync(() => caller.State == SipCallState.Ended && phone.State == SipCallState.Ended && Service.PendingRecords == 1, "both BYEs");
        Service.AgentStateChanged(Agent, inWrapUp: false);
        var record = Assert.Single(_records.All);
        Assert.Equal((CallOutcome.Answered, "hangup-api"), (record.Outcome, record.Reason));
        Assert.Equal(CallControlError.NotFound, (await Service.HangupAsync(caller.CallId, CancellationToken.None)).Error);
    }

    [Fact]
    public async Task DrainAsync_CallsOutliveTheTimeout_RefusesNewCallsThenHangsUpAndWritesEveryRecord()
    {
        var talking = await CallInAsync();
        var phone = await OfferAsync(talking.CallId);
        await AnswerAsync(phone);

        var draining = Service.DrainAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(Service.Draining);
        var late = Dial(CallerOffer);
        _net.Pump();
        Service.Accept(LoopbackSipNetwork.Incoming(_acd, "the ACD"), script: null, queue: "support");
        await UntilAsync(() => late.State == SipCallState.Ended, "the 503");
        Assert.Equal(1, _net.CountDelivered("SIP/2.0 503 ", CallerPort));

        _net.Advance(TimeSpan.FromSeconds(59));
        await BarrierAsync(talking.CallId);
        Assert.Equal(SipCallState.Answered, talking.State);
        await UntilAsync(() => draining.IsCompleted, "the drain", advance: true);

        Assert.Equal(SipCallState.Ended, talking.State);
        var record = Assert.Single(_records.All);
        Assert.Equal((CallOutcome.Answered, "shutdown"), (record.Outcome, record.Reason));
        Assert.Equal(0, Service.PendingRecords);
    }

    // ---------------------------------------------------------------- steps

    /// <summary>An answered call on the ACD's UA (the customer's side on the caller UA) handed to <see cref="InboundCallService.ConnectAsync"/>.</summary>
    private async Task<(SipCall Customer, Task<ConnectedCallOutcome> Outcome)> ConnectAsync(ConnectedCallRequest request)
    {
        var customer = Dial(CallerOffer);
        _net.Pump();
        var call = LoopbackSipNetwork.Incoming(_acd, "the ACD");
        Assert.True(call.Answer(Encoding.UTF8.GetBytes(CallerOffer)));
        await UntilAsync(() => customer.State == SipCallState.Answered, "the customer answered");
        var outcome = Service.ConnectAsync(call, _media.Create("customer")!, request, CancellationToken.None);
        await UntilAsync(() => _queues.Count(nameof(ICallQueues.EnqueueAsync)) == 1, "the enqueue");
        await BarrierAsync(customer.CallId);
        return (customer, outcome);
    }

    private async Task<T> UntilCompletedAsync<T>(Task<T> task)
    {
        await UntilAsync(() => task.IsCompleted, "the task");
        return await task;
    }

    private static async Task WriteToneAsync(string path, TimeSpan length)
    {
        var samples = new short[(int)(length.TotalSeconds * 8000)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 8000.0));
        }

        await using var writer = new Acd.Media.Audio.WavWriter(File.Create(path), 1);
        await writer.WriteAsync(samples);
        await writer.CompleteAsync();
    }
}
