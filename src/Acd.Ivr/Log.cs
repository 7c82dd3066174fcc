using Microsoft.Extensions.Logging;

namespace Acd.Ivr;

/// <summary>Source-generated log messages of the IVR (event ids 4000-4099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Call {CallId} entered IVR script {Script} at {Node}")]
    public static partial void SessionStarted(ILogger logger, string callId, string script, string node);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Call {CallId} left IVR script {Script}: {Outcome} at {Node}")]
    public static partial void SessionEnded(ILogger logger, string callId, string script, string outcome, string node);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Call {CallId} failed in IVR script {Script} at {Node}")]
    public static partial void SessionFailed(ILogger logger, string callId, string script, string node, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Media operation failed for call {CallId} in script {Script} at {Node}")]
    public static partial void MediaFailed(ILogger logger, string callId, string script, string node, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Call {CallId}: {Reason} input in script {Script} at {Node} (attempt {Attempt})")]
    public static partial void InputError(ILogger logger, string callId, string script, string node, string reason, int attempt);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Call {CallId}: script {Script} made more than {Limit} transitions without input at {Node}; stopped")]
    public static partial void RunawayScript(ILogger logger, string callId, string script, string node, int limit);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Call {CallId}: queue conditions for {Queue} unavailable; using zeros")]
    public static partial void QueueInfoFailed(ILogger logger, string callId, string queue, Exception exception);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "IVR script {Script} loaded from {File} ({Nodes} nodes)")]
    public static partial void ScriptLoaded(ILogger logger, string script, string file, int nodes);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "IVR script {File} refused: {Diagnostic}")]
    public static partial void ScriptRejected(ILogger logger, string file, string diagnostic);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "IVR scripts reloaded from {Directory}: {Scripts} serving, {Errors} errors")]
    public static partial void CatalogReloaded(ILogger logger, string directory, int scripts, int errors);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Error, Message = "IVR script reload from {Directory} failed")]
    public static partial void ReloadFailed(ILogger logger, string directory, Exception exception);
}
