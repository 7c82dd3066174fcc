using Microsoft.Extensions.Logging;

namespace Acd.Calls.Inbound;

internal static partial class Log
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Call {CallId} to {Dialed} from {Caller}: {Target}")]
    public static partial void Accepted(ILogger logger, string callId, string dialed, string caller, string target);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Call {CallId} ended: {Outcome} ({Reason}), queue {Queue}, agent {Agent}")]
    public static partial void Finished(ILogger logger, string callId, string outcome, string? reason, string? queue, string? agent);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Call {CallId} refused with {Status}: {Detail}")]
    public static partial void Refused(ILogger logger, string callId, int status, string detail);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Call {CallId} failed")]
    public static partial void CallFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Call {CallId}: ringing agent {Agent} at {Contact}")]
    public static partial void Ringing(ILogger logger, string callId, string agent, string contact);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Call {CallId}: agent {Agent} answered, bridged")]
    public static partial void Bridged(ILogger logger, string callId, string agent);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Call {CallId}: agent {Agent} has no registered phone")]
    public static partial void AgentUnreachable(ILogger logger, string callId, string agent);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "Call {CallId}: agent {Agent}'s answer dropped: {Reason}")]
    public static partial void AnswerDropped(ILogger logger, string callId, string agent, string reason);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "Call {CallId}: queue {Queue} refused it: {Reason}")]
    public static partial void EnqueueRefused(ILogger logger, string callId, string queue, string? reason);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Warning, Message = "Call {CallId}: no such queue {Queue}")]
    public static partial void NoQueue(ILogger logger, string callId, string queue);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "Call {CallId}: IVR failed ({Reason}); queued to {Queue}")]
    public static partial void IvrFailed(ILogger logger, string callId, string reason, string queue);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Call {CallId}: transfer to {Kind} {Destination} is not supported by the inbound flow yet")]
    public static partial void TransferUnsupported(ILogger logger, string callId, string kind, string destination);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Error, Message = "Call {CallId}: releasing routing state failed")]
    public static partial void ReleaseFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Error, Message = "Call {CallId}: writing the call record failed")]
    public static partial void RecordFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(EventId = 3115, Level = LogLevel.Information, Message = "Draining: {Calls} calls in progress, {Records} records waiting for wrap-up; new calls refused, hang-up in {Timeout}")]
    public static partial void Draining(ILogger logger, int calls, int records, TimeSpan timeout);

    [LoggerMessage(EventId = 3116, Level = LogLevel.Information, Message = "Call {CallId} connected ({Direction}) to {Party}: queue {Queue}")]
    public static partial void Connected(ILogger logger, string callId, string direction, string party, string queue);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Call {CallId}: recording to {Path} could not start")]
    public static partial void RecordingFailed(ILogger logger, string callId, string path, Exception exception);
}
