using Acd.Dialer.Compliance;
using Microsoft.Extensions.Logging;

namespace Acd.Dialer;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Campaign {Campaign} is now {State}")]
    public static partial void StateChanged(ILogger logger, string campaign, Campaigns.CampaignState state);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Campaign {Campaign} cannot start: {Errors}")]
    public static partial void StartRefused(ILogger logger, string campaign, string errors);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Campaign {Campaign} lead {Lead} blocked by {Rule}: {Reason}")]
    public static partial void Blocked(ILogger logger, string campaign, string lead, ComplianceRule rule, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Campaign {Campaign} dial to lead {Lead} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string campaign, string lead, string reason);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Campaign {Campaign} abandoned call {CallId}: no agent within the connect deadline")]
    public static partial void Abandoned(ILogger logger, string campaign, string callId);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Error, Message = "Campaign {Campaign} call {CallId} failed in the call layer")]
    public static partial void CallFailed(ILogger logger, Exception exception, string campaign, string callId);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "Campaign {Campaign} lead {Lead} opted out ({How})")]
    public static partial void OptedOut(ILogger logger, string campaign, string lead, string how);
}
