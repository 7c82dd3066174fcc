using System.Text;

namespace Acd.Sip;

/// <summary>Maps header names (long and compact forms, ASCII case-insensitive) to <see cref="SipHeaderId"/> and back.</summary>
public static class SipHeaderNames
{
    private static readonly (byte[] Name, SipHeaderId Id)[][] ByLength;
    private static readonly byte[][] Canonical;
    private static readonly SipHeaderId[] Compact = new SipHeaderId[128];

    static SipHeaderNames()
    {
        var names = new (string, SipHeaderId)[]
        {
            ("Via", SipHeaderId.Via), ("From", SipHeaderId.From), ("To", SipHeaderId.To), ("Call-ID", SipHeaderId.CallId),
            ("CSeq", SipHeaderId.CSeq), ("Contact", SipHeaderId.Contact), ("Max-Forwards", SipHeaderId.MaxForwards),
            ("Route", SipHeaderId.Route), ("Record-Route", SipHeaderId.RecordRoute), ("Content-Length", SipHeaderId.ContentLength),
            ("Content-Type", SipHeaderId.ContentType), ("Content-Encoding", SipHeaderId.ContentEncoding),
            ("Content-Disposition", SipHeaderId.ContentDisposition), ("Expires", SipHeaderId.Expires),
            ("Min-Expires", SipHeaderId.MinExpires), ("Allow", SipHeaderId.Allow), ("Supported", SipHeaderId.Supported),
            ("Require", SipHeaderId.Require), ("Proxy-Require", SipHeaderId.ProxyRequire), ("Unsupported", SipHeaderId.Unsupported),
            ("WWW-Authenticate", SipHeaderId.WwwAuthenticate), ("Authorization", SipHeaderId.Authorization),
            ("Proxy-Authenticate", SipHeaderId.ProxyAuthenticate), ("Proxy-Authorization", SipHeaderId.ProxyAuthorization),
            ("Authentication-Info", SipHeaderId.AuthenticationInfo), ("Retry-After", SipHeaderId.RetryAfter),
            ("Event", SipHeaderId.Event), ("Allow-Events", SipHeaderId.AllowEvents), ("Subscription-State", SipHeaderId.SubscriptionState),
            ("Refer-To", SipHeaderId.ReferTo), ("Referred-By", SipHeaderId.ReferredBy), ("Replaces", SipHeaderId.Replaces),
            ("Subject", SipHeaderId.Subject), ("Accept", SipHeaderId.Accept), ("Accept-Encoding", SipHeaderId.AcceptEncoding),
            ("Accept-Language", SipHeaderId.AcceptLanguage), ("Date", SipHeaderId.Date), ("Timestamp", SipHeaderId.Timestamp),
            ("User-Agent", SipHeaderId.UserAgent), ("Server", SipHeaderId.Server), ("Warning", SipHeaderId.Warning),
            ("Session-Expires", SipHeaderId.SessionExpires), ("Min-SE", SipHeaderId.MinSE), ("RSeq", SipHeaderId.RSeq),
            ("RAck", SipHeaderId.RAck), ("Reason", SipHeaderId.Reason), ("Path", SipHeaderId.Path),
            ("Service-Route", SipHeaderId.ServiceRoute), ("Privacy", SipHeaderId.Privacy),
            ("P-Asserted-Identity", SipHeaderId.PAssertedIdentity), ("P-Preferred-Identity", SipHeaderId.PPreferredIdentity),
            ("Accept-Contact", SipHeaderId.AcceptContact), ("Reject-Contact", SipHeaderId.RejectContact),
            ("Request-Disposition", SipHeaderId.RequestDisposition), ("Identity", SipHeaderId.Identity),
            ("Identity-Info", SipHeaderId.IdentityInfo), ("Organization", SipHeaderId.Organization), ("Priority", SipHeaderId.Priority),
            ("In-Reply-To", SipHeaderId.InReplyTo), ("Alert-Info", SipHeaderId.AlertInfo), ("Call-Info", SipHeaderId.CallInfo),
            ("Error-Info", SipHeaderId.ErrorInfo), ("Reply-To", SipHeaderId.ReplyTo), ("MIME-Version", SipHeaderId.MimeVersion),
        };

        var max = names.Max(n => n.Item1.Length);
        var lists = new List<(byte[], SipHeaderId)>[max + 1];
        Canonical = new byte[Enum.GetValues<SipHeaderId>().Length][];
        Canonical[0] = [];
        foreach (var (name, id) in names)
        {
            var bytes = Encoding.ASCII.GetBytes(name);
            (lists[bytes.Length] ??= []).Add((bytes, id));
            Canonical[(int)id] = bytes;
        }

        ByLength = lists.Select(l => l?.ToArray() ?? []).ToArray();

        // RFC 3261 section 7.3.3 and later RFCs (3265, 3515, 3892, 3841, 4028, 4474).
        foreach (var (c, id) in new (char, SipHeaderId)[]
        {
            ('i', SipHeaderId.CallId), ('m', SipHeaderId.Contact), ('f', SipHeaderId.From), ('t', SipHeaderId.To),
            ('v', SipHeaderId.Via), ('l', SipHeaderId.ContentLength), ('c', SipHeaderId.ContentType),
            ('e', SipHeaderId.ContentEncoding), ('k', SipHeaderId.Supported), ('s', SipHeaderId.Subject),
            ('o', SipHeaderId.Event), ('u', SipHeaderId.AllowEvents), ('r', SipHeaderId.ReferTo),
            ('b', SipHeaderId.ReferredBy), ('x', SipHeaderId.SessionExpires), ('a', SipHeaderId.AcceptContact),
            ('j', SipHeaderId.RejectContact), ('d', SipHeaderId.RequestDisposition), ('y', SipHeaderId.Identity),
            ('n', SipHeaderId.IdentityInfo),
        })
        {
            Compact[c] = id;
            Compact[char.ToUpperInvariant(c)] = id;
        }
    }

    /// <summary>Identifies a header name (long or compact form, any case); <see cref="SipHeaderId.Unknown"/> otherwise.</summary>
    public static SipHeaderId Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            return name[0] < 128 ? Compact[name[0]] : SipHeaderId.Unknown;
        }

        if (name.IsEmpty || name.Length >= ByLength.Length)
        {
            return SipHeaderId.Unknown;
        }

        var first = (byte)(name[0] | 0x20);
        foreach (var (candidate, id) in ByLength[name.Length])
        {
            if ((candidate[0] | 0x20) == first && System.Text.Ascii.EqualsIgnoreCase(candidate, name))
            {
                return id;
            }
        }

        return SipHeaderId.Unknown;
    }

    /// <summary>The long form in canonical case (e.g. "Call-ID"); empty for <see cref="SipHeaderId.Unknown"/>.</summary>
    public static ReadOnlySpan<byte> GetName(SipHeaderId id) => Canonical[(int)id];
}
