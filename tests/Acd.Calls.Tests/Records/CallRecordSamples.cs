using Acd.Calls.Records;

namespace Acd.Calls.Tests.Records;

/// <summary>Call records for the sink tests: a full answered call, or a minimal one ending at a given time.</summary>
internal static class CallRecordSamples
{
    public static readonly DateTimeOffset Day1 = new(2026, 11, 23, 23, 59, 30, TimeSpan.Zero);

    public static CallRecord Minimal(string callId, DateTimeOffset ended, CallOutcome outcome = CallOutcome.Abandoned) => new()
    {
        CallId = callId,
        Node = "node-a",
        DialedNumber = "100",
        CallerId = "+15551234567",
        Arrived = ended.AddMinutes(-2),
        Ended = ended,
        Outcome = outcome,
    };

    public static CallRecord Answered(string callId, DateTimeOffset ended) => Minimal(callId, ended, CallOutcome.Answered) with
    {
        CallerName = "Zoë \"Z\" Line\nBreak",
        IvrEnded = ended.AddSeconds(-100),
        Enqueued = ended.AddSeconds(-100),
        Offered = ended.AddSeconds(-90),
        Answered = ended.AddSeconds(-85),
        IvrScript = "customer-service",
        IvrPath = ["welcome", "menu", "to-billing"],
        IvrVariables = new Dictionary<string, string> { ["Account_Number"] = "12345", ["lang"] = "en" },
        Queue = "billing",
        Agent = "1001",
        WaitSeconds = 15,
        TalkSeconds = 85,
        WrapUpSeconds = 30,
        Disposition = "resolved",
        Reason = "caller-hangup",
        Legs =
        [
            new CallLegRecord
            {
                Role = "caller", SipCallId = callId, Party = "+15551234567", Peer = "127.0.0.1:5070", Started = ended.AddMinutes(-2),
                Answered = ended.AddMinutes(-2), Ended = ended, Status = 200, EndReason = "bye-remote",
                Quality = new CallLegQuality(5000, 4990, 10, double.NaN, null),
            },
            new CallLegRecord { Role = "agent", SipCallId = callId + "-a1", Party = "1001", Started = ended.AddSeconds(-90), Status = 200 },
        ],
        Events = [new CallRecordEvent(ended.AddSeconds(-100), "enqueued", "billing"), new CallRecordEvent(ended, "hangup")],
    };
}
