using Microsoft.Extensions.Logging;

namespace Acd.Calls.Direct;

internal static partial class Log
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Direct call {CallId}: {Caller} calls {Callee} at {Contact}")]
    public static partial void Ringing(ILogger logger, string callId, string caller, string callee, string contact);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Direct call {CallId}: {Callee} answered, bridged")]
    public static partial void Bridged(ILogger logger, string callId, string callee);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Direct call {CallId} refused with {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, string callId, int status, string reason);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information, Message = "Direct call {CallId} ended: {Outcome} ({Reason})")]
    public static partial void Finished(ILogger logger, string callId, string outcome, string? reason);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Error, Message = "Direct call {CallId} failed")]
    public static partial void CallFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Error, Message = "Direct call {CallId}: restoring the routing state of agent {Agent} failed")]
    public static partial void RestoreFailed(ILogger logger, string callId, string agent, Exception exception);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Error, Message = "Direct call {CallId}: writing the call record failed")]
    public static partial void RecordFailed(ILogger logger, string callId, Exception exception);
}
