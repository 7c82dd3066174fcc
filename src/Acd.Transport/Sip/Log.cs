using System.Net;
using Microsoft.Extensions.Logging;

namespace Acd.Transport.Sip;

internal static partial class Log
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "SIP listening on {Transport} {EndPoint}")]
    public static partial void Listening(ILogger logger, string transport, EndPoint endPoint);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "SIP UDP receive error on {EndPoint}")]
    public static partial void UdpReceiveError(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "SIP message handler failed for a message from {Peer}")]
    public static partial void HandlerFailed(ILogger logger, string peer, Exception exception);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "SIP {Transport} send to {Peer} failed: {Error}")]
    public static partial void SendFailed(ILogger logger, string transport, string peer, string error);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "SIP message of {Length} bytes to {Peer} refused: larger than {Limit} bytes and no TCP path")]
    public static partial void MessageTooLarge(ILogger logger, int length, string peer, int limit);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "SIP TCP connection {ConnectionId} {Peer} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string peer, string reason);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "SIP TCP connection from {Peer} refused: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Debug, Message = "SIP TCP framing error from {Peer}: {Error}")]
    public static partial void FramingError(ILogger logger, string peer, string error);
}
