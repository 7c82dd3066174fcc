using Microsoft.Extensions.Logging;

namespace Acd.Sip.Ua;

internal static partial class Log
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Debug, Message = "SIP parse error from {Peer}: {Error}")]
    public static partial void ParseError(ILogger logger, string peer, string error);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug, Message = "SIP {Method} from {Peer} rejected with {Status}: {Reason}")]
    public static partial void Rejected(ILogger logger, string method, string peer, int status, string reason);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "SIP authentication failed for user {User} from {Peer}: {Reason}")]
    public static partial void AuthFailed(ILogger logger, string? user, string peer, string reason);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "SIP request handler failed for {Method} from {Peer}")]
    public static partial void HandlerFailed(ILogger logger, string method, string peer, Exception exception);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "SIP call {CallId} ended: {Reason}")]
    public static partial void CallEnded(ILogger logger, string callId, string reason);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "SIP incoming call queue full; INVITE {CallId} refused with 503")]
    public static partial void IncomingQueueFull(ILogger logger, string callId);
}
