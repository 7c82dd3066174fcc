using Microsoft.Extensions.Logging;

namespace Acd.Routing;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Routing request refused: {Error} {Reason}")]
    public static partial void Refused(ILogger logger, RoutingError error, string? reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Routing due loop failed; retrying on the next tick")]
    public static partial void DueLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Event subscriber is slow; dropped oldest routing events")]
    public static partial void SubscriberSlow(ILogger logger);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Call {CallId} lost: node {Node} stopped heartbeating")]
    public static partial void CallLost(ILogger logger, string? callId, string? node);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Agent {AgentId} auto-paused after ring-no-answers")]
    public static partial void AutoPaused(ILogger logger, string? agentId);
}
