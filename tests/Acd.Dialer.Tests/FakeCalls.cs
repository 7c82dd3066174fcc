using System.Runtime.CompilerServices;
using Acd.Dialer.Calls;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Leads;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Dialer.Tests;

/// <summary>An in-memory call layer: each originated call follows a script; audio frames advance the fake clock by 20 ms each, as RTP would.</summary>
internal sealed class FakeCallLayer(FakeTimeProvider time, Func<OriginateRequest, FakeCall.Script> script) : IOutboundCallLayer
{
    public List<OriginateRequest> Requests { get; } = [];

    public List<FakeCall> Calls { get; } = [];

    public ValueTask<IOutboundCall> OriginateAsync(OriginateRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var call = new FakeCall(request.CallId, time, script(request));
        Calls.Add(call);
        return new(call);
    }
}

internal sealed class FakeCall(string callId, FakeTimeProvider time, FakeCall.Script script) : IOutboundCall
{
    private int _frame;

    public sealed record Script(DialProgress Final, short[]? Audio = null, bool AgentAnswers = true, char? Digit = null);

    public string CallId => callId;

    public DateTimeOffset? AnsweredAt { get; private set; }

    /// <summary>When the dialer gave up waiting for an agent (its connect deadline fired).</summary>
    public DateTimeOffset? AgentWaitCancelledAt { get; private set; }

    public TaskCompletionSource PlayedSignal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource ConnectEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<(string Prompt, DateTimeOffset At, TimeSpan AudioPosition)> Played { get; } = [];

    public bool HungUp { get; private set; }

    public string? ConnectedQueue { get; private set; }

    public string? IvrScript { get; private set; }

    public async IAsyncEnumerable<DialProgress> ProgressAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return DialProgress.Ringing;
        await Task.Yield();
        if (script.Final == DialProgress.Answered)
        {
            AnsweredAt = time.GetUtcNow();
        }

        yield return script.Final;
    }

    public async IAsyncEnumerable<ReadOnlyMemory<short>> AudioFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var audio = script.Audio ?? [];
        while ((_frame + 1) * 160 <= audio.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frame = audio.AsMemory(_frame * 160, 160);
            _frame++;
            time.Advance(TimeSpan.FromMilliseconds(20));
            yield return frame;
        }

        // Then silence-free waiting: the line stays open until the caller gives up.
        await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
    }

    public ValueTask<char?> PlayAsync(string prompt, bool collectDigit, CancellationToken cancellationToken)
    {
        Played.Add((prompt, time.GetUtcNow(), TimeSpan.FromMilliseconds(_frame * 20)));
        PlayedSignal.TrySetResult();
        return new(collectDigit ? script.Digit : null);
    }

    public AgentConnectRequest? ConnectRequest { get; private set; }

    public async ValueTask<AgentConnectOutcome> ConnectToAgentAsync(AgentConnectRequest request, CancellationToken cancellationToken)
    {
        ConnectRequest = request;
        ConnectedQueue = request.Queue;
        ConnectEntered.TrySetResult();
        if (script.AgentAnswers)
        {
            return AgentConnectOutcome.Agent;
        }

        // The queue flow's MaxWait: no agent in time, it plays the abandon prompt and ends the call.
        await Task.Delay(request.MaxWait ?? Timeout.InfiniteTimeSpan, time, cancellationToken);
        AgentWaitCancelledAt = time.GetUtcNow();
        if (request.AbandonPrompt is { } prompt)
        {
            await PlayAsync(prompt, collectDigit: false, cancellationToken);
        }

        HungUp = true;
        return AgentConnectOutcome.Abandoned;
    }

    public ValueTask RunIvrAsync(string script, Lead lead, CancellationToken cancellationToken)
    {
        IvrScript = script;
        return ValueTask.CompletedTask;
    }

    public ValueTask HangupAsync(CancellationToken cancellationToken)
    {
        HungUp = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed class FakeAgents(int staffed, int free) : IAgentAvailability
{
    public int Staffed { get; set; } = staffed;

    public int Free { get; set; } = free;

    public ValueTask<AgentPoolSnapshot> GetAsync(string queue, CancellationToken cancellationToken) =>
        new(new AgentPoolSnapshot(Staffed, Free, Enumerable.Repeat(TimeSpan.FromSeconds(30), Staffed - Free).ToArray()));
}

internal static class Audio
{
    /// <summary>A loud noise-like "word" of <paramref name="ms"/> milliseconds (broadband like speech, not a tone).</summary>
    public static short[] Voice(int ms)
    {
        var random = new Random(ms);
        return Enumerable.Range(0, ms * 8).Select(_ => (short)random.Next(-8000, 8000)).ToArray();
    }

    public static short[] Silence(int ms) => new short[ms * 8];

    public static short[] Tone(int ms, double hz) => Enumerable.Range(0, ms * 8).Select(i => (short)(10000 * Math.Sin(2 * Math.PI * hz * i / 8000))).ToArray();

    public static short[] Join(params short[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>"Hello?" then silence: a person.</summary>
    public static short[] Human => Join(Silence(100), Voice(400), Silence(2000));

    /// <summary>A three-second greeting, then a beep at 3.6 s: a machine.</summary>
    public static short[] Machine => Join(Silence(100), Voice(3000), Silence(500), Tone(400, 1000), Silence(2000));
}
