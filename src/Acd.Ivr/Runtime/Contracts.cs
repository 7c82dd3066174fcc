using Acd.Ivr.Scripting;

namespace Acd.Ivr.Runtime;

// What the IVR needs from a call. The call layer (Acd.Calls) implements these; the IVR never references it.

/// <summary>The facts of a call that scripts can read.</summary>
public sealed record IvrCallInfo(string CallId, string CallerId, string DialedNumber)
{
    /// <summary>
    /// Variables the call starts with (<c>vars.name</c> in the script), e.g. an outbound campaign lead's custom fields.
    /// Names that are not variable names are skipped; the engine's count and length limits apply.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
}

/// <summary>One prompt to play: its script name and the WAV file resolved for the call's language.</summary>
public sealed record IvrPrompt(string Name, string Path);

/// <summary>A recording request from a <c>voicemail</c> node.</summary>
/// <param name="Mailbox">Where the message belongs (a queue or team name from the script).</param>
/// <param name="MaxLength">The recording stops after this long.</param>
/// <param name="Beep">Play a beep before recording starts.</param>
public sealed record IvrRecordRequest(string Mailbox, TimeSpan MaxLength, bool Beep);

/// <summary>A finished recording: the WAV file (stored with the call record) and its length.</summary>
public sealed record IvrRecording(string Path, TimeSpan Duration);

/// <summary>
/// Media operations on the caller's leg. Each task completes when the operation ends: played out, stopped by
/// <paramref name="cancellationToken"/> (barge-in, hang-up) or failed. DTMF digits and hang-up are not pulled
/// from here: the call layer pushes them with <see cref="IvrSession.PostDigit"/> and <see cref="IvrSession.Hangup"/>.
/// </summary>
public interface IIvrMedia
{
    /// <summary>Plays <paramref name="prompts"/> in order; completes when done or cancelled.</summary>
    Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken);

    /// <summary>Records the caller to a WAV file (beep first if asked) for at most the request's length.</summary>
    Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken);
}

/// <summary>Queue conditions at this moment, for <c>branch</c> and <c>say</c> nodes.</summary>
public readonly record struct IvrQueueStatus(TimeSpan EstimatedWait, int AgentsAvailable, int CallsWaiting);

/// <summary>Reads queue conditions (implemented by routing).</summary>
public interface IIvrQueueInfo
{
    ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken);
}

/// <summary>How a script ended; handed by the call layer to routing.</summary>
public abstract record IvrOutcome(string Node);

/// <summary>Queue the call (by queue name or required skills) with a priority.</summary>
/// <param name="ExitKey">A key the caller may press while waiting; routing then resumes the script at <paramref name="ExitNode"/>.</param>
public sealed record IvrQueueOutcome(string Node, string? Queue, IReadOnlyList<string> Skills, int Priority, bool CallbackOffer, char? ExitKey, string? ExitNode)
    : IvrOutcome(Node);

/// <summary>Transfer to a queue, an agent extension or a SIP URI.</summary>
public sealed record IvrTransferOutcome(string Node, TransferKind Kind, string Destination) : IvrOutcome(Node);

/// <summary>Keep the caller's place in <paramref name="Queue"/> and call <paramref name="Number"/> back.</summary>
public sealed record IvrCallbackOutcome(string Node, string Queue, string Number, DateTimeOffset RequestedAt) : IvrOutcome(Node);

/// <summary>A message was recorded for <paramref name="Mailbox"/>; store it with the call record.</summary>
public sealed record IvrVoicemailOutcome(string Node, string Mailbox, IvrRecording Recording) : IvrOutcome(Node);

/// <summary>The script hung up.</summary>
public sealed record IvrHangupOutcome(string Node) : IvrOutcome(Node);

/// <summary>The caller hung up while the script was at <paramref name="Node"/>.</summary>
public sealed record IvrCallerHangupOutcome(string Node) : IvrOutcome(Node);

/// <summary>The script could not continue (media failure, runaway loop): the call layer decides (usually a default queue).</summary>
public sealed record IvrFailedOutcome(string Node, string Reason) : IvrOutcome(Node);

/// <summary>The end of one IVR session.</summary>
/// <param name="Path">Nodes visited, in order.</param>
public sealed record IvrResult(IvrOutcome Outcome, IReadOnlyDictionary<string, string> Variables, string Language, IReadOnlyList<string> Path);

/// <summary>
/// Optional hooks on a session, called on the session's own loop (keep them quick, do not block): tracing,
/// the simulator, tests. All methods default to nothing.
/// </summary>
public abstract class IvrObserver
{
    public virtual void NodeEntered(IvrSession session, string node, IvrNodeKind kind)
    {
    }

    public virtual void PromptsStarted(IvrSession session, IReadOnlyList<IvrPrompt> prompts)
    {
    }

    /// <summary>A menu or collect node starts an attempt and waits for digits.</summary>
    public virtual void InputExpected(IvrSession session, string node)
    {
    }

    public virtual void InputError(IvrSession session, string node, string reason)
    {
    }

    public virtual void VariableSet(IvrSession session, string name, string value)
    {
    }

    /// <summary>The session has no event to process and is about to wait.</summary>
    public virtual void Idle(IvrSession session)
    {
    }
}
