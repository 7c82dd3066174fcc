namespace Acd.Sip.Ua;

/// <summary>Something that happened to a call, delivered in order on <see cref="SipCall.Events"/>.</summary>
public abstract record SipCallEvent;

/// <summary>A provisional response (180, 183...) to our INVITE, with its SDP if any.</summary>
public sealed record SipCallProvisional(int StatusCode, string ReasonPhrase, ReadOnlyMemory<byte> Sdp) : SipCallEvent;

/// <summary>Our INVITE was answered with 2xx (the ACK has been sent).</summary>
public sealed record SipCallAnswered(ReadOnlyMemory<byte> Sdp) : SipCallEvent;

/// <summary>Our INVITE failed: a final non-2xx, 408 on timeout, 487 after CANCEL.</summary>
public sealed record SipCallFailed(int StatusCode, string ReasonPhrase) : SipCallEvent;

/// <summary>The ACK for our 2xx arrived: the incoming call is established.</summary>
public sealed record SipCallAcknowledged : SipCallEvent;

/// <summary>An in-dialog request other than BYE (re-INVITE, UPDATE, INFO, REFER, NOTIFY), already answered per <see cref="StatusCode"/>.</summary>
public sealed record SipCallRequest(string Method, int StatusCode, SipMessage Request) : SipCallEvent;

/// <summary>The call ended (BYE either way, CANCEL, ACK timeout, rejection). No events follow.</summary>
public sealed record SipCallEnded(string Reason) : SipCallEvent;
