namespace Acd.Sip;

/// <summary>Header fields the parser recognises by name (long or compact form, any case).</summary>
public enum SipHeaderId : byte
{
    /// <summary>An extension or unknown header; read it by name.</summary>
    Unknown = 0,
    Via, From, To, CallId, CSeq, Contact, MaxForwards, Route, RecordRoute,
    ContentLength, ContentType, ContentEncoding, ContentDisposition, Expires, MinExpires,
    Allow, Supported, Require, ProxyRequire, Unsupported,
    WwwAuthenticate, Authorization, ProxyAuthenticate, ProxyAuthorization, AuthenticationInfo,
    RetryAfter, Event, AllowEvents, SubscriptionState, ReferTo, ReferredBy, Replaces,
    Subject, Accept, AcceptEncoding, AcceptLanguage, Date, Timestamp, UserAgent, Server, Warning,
    SessionExpires, MinSE, RSeq, RAck, Reason, Path, ServiceRoute, Privacy,
    PAssertedIdentity, PPreferredIdentity, AcceptContact, RejectContact, RequestDisposition,
    Identity, IdentityInfo, Organization, Priority, InReplyTo, AlertInfo, CallInfo, ErrorInfo,
    ReplyTo, MimeVersion,
}
