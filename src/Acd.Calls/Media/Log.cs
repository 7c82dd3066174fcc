using Microsoft.Extensions.Logging;

namespace Acd.Calls.Media;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "IVR prompt '{Prompt}' on leg {Leg} skipped: {Error}")]
    public static partial void PromptFailed(ILogger logger, string prompt, string leg, string? error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Voicemail on leg {Leg} to {Path}: {Error}")]
    public static partial void RecordingFailed(ILogger logger, string leg, string path, string error);
}
