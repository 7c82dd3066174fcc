using Microsoft.Extensions.Logging;

namespace Acd.Calls.Features;

internal static partial class Log
{
    [LoggerMessage(EventId = 3500, Level = LogLevel.Information, Message = "Feature code {Code} from agent {Agent} ({CallId}): {Result} {Detail}")]
    public static partial void Finished(ILogger logger, string callId, string code, string agent, string result, string? detail);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Feature code {Code} ({CallId}) refused with {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, string callId, string code, int status, string reason);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error, Message = "Feature code call {CallId} failed")]
    public static partial void CallFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning, Message = "Feature code {Code} ({CallId}): routing refused for agent {Agent}: {Reason}")]
    public static partial void ActionRefused(ILogger logger, string callId, string code, string agent, string? reason);
}
