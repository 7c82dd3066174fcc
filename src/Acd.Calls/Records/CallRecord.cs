namespace Acd.Calls.Records;

/// <summary>How a call ended, from the contact center's point of view.</summary>
public enum CallOutcome
{
    /// <summary>An agent answered it.</summary>
    Answered,

    /// <summary>The caller hung up before an agent answered (in the IVR or in a queue).</summary>
    Abandoned,

    /// <summary>The caller asked to be called back (the place in queue is kept).</summary>
    Callback,

    /// <summary>The caller left a voicemail.</summary>
    Voicemail,

    /// <summary>The IVR ended the call itself (closed, a hang-up node).</summary>
    Completed,

    /// <summary>Refused or broken: unknown number, bad SDP, no media port, routing refused, max wait...</summary>
    Failed,
}

/// <summary>One event of a call, in order: what happened, when, and a detail (queue, agent, digit, status).</summary>
public sealed record CallRecordEvent(DateTimeOffset Time, string Kind, string? Detail = null);

/// <summary>Media quality of one leg at its end (from RTP/RTCP counters).</summary>
public sealed record CallLegQuality(
    long PacketsSent,
    long PacketsReceived,
    long PacketsLost,
    double JitterMs,
    double? RoundTripMs)
{
    /// <summary>The leg's counters now (jitter in ms, two decimals).</summary>
    public static CallLegQuality Of(Acd.Media.MediaLeg leg)
    {
        ArgumentNullException.ThrowIfNull(leg);
        var s = leg.Statistics();
        return new CallLegQuality(s.PacketsSent, s.PacketsReceived, s.PacketsLost, Math.Round(s.JitterSeconds * 1000, 2), s.RoundTripTime?.TotalMilliseconds);
    }
}

/// <summary>One SIP leg of a call: the caller's, or one per agent rung.</summary>
public sealed record CallLegRecord
{
    /// <summary>"caller" or "agent".</summary>
    public required string Role { get; init; }

    /// <summary>The leg's SIP Call-ID.</summary>
    public required string SipCallId { get; init; }

    /// <summary>The remote party: caller ID for the caller leg, the agent id for agent legs.</summary>
    public required string Party { get; init; }

    /// <summary>The transport address of the peer.</summary>
    public string? Peer { get; init; }

    public required DateTimeOffset Started { get; init; }

    public DateTimeOffset? Answered { get; init; }

    public DateTimeOffset? Ended { get; init; }

    /// <summary>The final SIP status of the leg's INVITE (200, 486, 487, 408...).</summary>
    public int? Status { get; init; }

    /// <summary>Why the leg ended: "bye-remote", "bye-local", "cancel", "ring-no-answer", "rejected", "unreachable"...</summary>
    public string? EndReason { get; init; }

    public CallLegQuality? Quality { get; init; }
}

/// <summary>
/// The record of one inbound call with every leg and event, written once when the call and its wrap-up are over
/// (JSON lines, and a Redis stream when the node runs on Redis). Times are the node's <see cref="TimeProvider"/>.
/// </summary>
public sealed record CallRecord
{
    /// <summary>Format version of the record.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The call's id (the caller leg's Call-ID).</summary>
    public required string CallId { get; init; }

    /// <summary>The node that owned the call.</summary>
    public required string Node { get; init; }

    public required string DialedNumber { get; init; }

    /// <summary>How the call came: <c>inbound</c>, or what the dialer named it (<c>outbound</c>, <c>callback</c>).</summary>
    public string Direction { get; init; } = "inbound";

    /// <summary>The campaign (or other origin) of an outbound or callback call.</summary>
    public string? Campaign { get; init; }

    public required string CallerId { get; init; }

    public string? CallerName { get; init; }

    public required DateTimeOffset Arrived { get; init; }

    public DateTimeOffset? IvrEnded { get; init; }

    public DateTimeOffset? Enqueued { get; init; }

    /// <summary>The first offer to an agent.</summary>
    public DateTimeOffset? Offered { get; init; }

    /// <summary>The agent's answer.</summary>
    public DateTimeOffset? Answered { get; init; }

    public required DateTimeOffset Ended { get; init; }

    /// <summary>The IVR script that ran, if any.</summary>
    public string? IvrScript { get; init; }

    /// <summary>The IVR nodes visited, in order.</summary>
    public IReadOnlyList<string> IvrPath { get; init; } = [];

    /// <summary>Variables the IVR set (collected digits, choices, language).</summary>
    public IReadOnlyDictionary<string, string> IvrVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>The queue the call was (last) in.</summary>
    public string? Queue { get; init; }

    /// <summary>The agent who answered.</summary>
    public string? Agent { get; init; }

    /// <summary>Time in queue until answer or abandon, seconds.</summary>
    public double? WaitSeconds { get; init; }

    /// <summary>Agent answer to hang-up minus the time on hold, seconds.</summary>
    public double? TalkSeconds { get; init; }

    /// <summary>Time the agent held the caller (re-INVITE sendonly/inactive to resume), seconds; null when never held.</summary>
    public double? HoldSeconds { get; init; }

    /// <summary>Hang-up to the agent leaving wrap-up, seconds.</summary>
    public double? WrapUpSeconds { get; init; }

    /// <summary>The agent's disposition code name, if entered.</summary>
    public string? Disposition { get; init; }

    public required CallOutcome Outcome { get; init; }

    /// <summary>A short reason for <see cref="CallOutcome.Failed"/> and for how the call ended ("caller-hangup", "agent-hangup", "max-wait"...).</summary>
    public string? Reason { get; init; }

    /// <summary>Recording file (call audio or voicemail), if any.</summary>
    public string? RecordingFile { get; init; }

    /// <summary>The supervisors who joined the call (listen, whisper or barge), in order; null when none.</summary>
    public IReadOnlyList<string>? Supervisors { get; init; }

    /// <summary>Where the call was transferred to (<c>queue:claims</c>, <c>agent:1004</c>, <c>external:+1555...</c>), in order; null when never.</summary>
    public IReadOnlyList<string>? Transfers { get; init; }

    public IReadOnlyList<CallLegRecord> Legs { get; init; } = [];

    public IReadOnlyList<CallRecordEvent> Events { get; init; } = [];
}

/// <summary>Where finished call records go. Implementations must not throw into the call path and must not block it.</summary>
public interface ICallRecordSink
{
    /// <summary>Accepts one finished record (queued; written in the background).</summary>
    void Write(CallRecord record);
}
