namespace Acd.Calls.Inbound;

// Attended transfers between the node's inbound calls: the consult call an agent placed to a queue is found by its
// Call-ID (the Replaces of the agent's REFER).
public sealed partial class InboundCallService
{
    /// <summary>The live call with SIP Call-ID <paramref name="callId"/>, or null.</summary>
    internal InboundCall? CallOf(string callId) => _calls.GetValueOrDefault(callId);
}
