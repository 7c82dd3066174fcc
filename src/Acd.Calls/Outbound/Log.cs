using Microsoft.Extensions.Logging;

namespace Acd.Calls.Outbound;

internal static partial class Log
{
    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Outbound call {CallId}: answer without usable SDP ({Error}); hanging up")]
    public static partial void BadAnswer(ILogger logger, string callId, string error);
}
