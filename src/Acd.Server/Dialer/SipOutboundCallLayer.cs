using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Acd.Calls.Inbound;
using Acd.Calls.Outbound;
using Acd.Dialer;
using Acd.Dialer.Calls;
using Acd.Dialer.Leads;
using Acd.Dialer.Trunks;
using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Acd.Sip.Auth;
using Acd.Sip.Transactions;
using Acd.Sip.Ua;

namespace Acd.Server.Dialer;

/// <summary>How a trunk's answer to an INVITE is read.</summary>
internal enum TrunkVerdict
{
    /// <summary>The callee's answer (busy, not found, declined...): no failover.</summary>
    Callee,

    /// <summary>The gateway refused our credentials (401/407 after the digest answer, 403): fail over, count.</summary>
    AuthRejected,

    /// <summary>The gateway is down or overloaded (503, 5xx, 408 timeout): fail over.</summary>
    Unavailable,
}

/// <summary>The wire form of a call through a trunk: Request-URI, From and P-Asserted-Identity with the caller ID, digest credentials.</summary>
internal static class TrunkDialPlan
{
    private static readonly ConcurrentDictionary<string, IPAddress> Resolved = new(StringComparer.OrdinalIgnoreCase);

    public static SipOriginateRequest Request(TrunkConfig trunk, string destinationE164, string callerIdE164, string? callerName, IReadOnlyList<SipHeader> extraHeaders)
    {
        var hostPort = trunk.Host + ":" + trunk.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var transport = trunk.Transport == "udp" ? string.Empty : ";transport=" + trunk.Transport;
        var callerId = trunk.FormatCallerId(callerIdE164);
        var from = "sip:" + callerId + "@" + (trunk.FromHost ?? trunk.Host);
        var pai = (callerName is { Length: > 0 } ? SipUserAgent.QuoteDisplayName(callerName) + " " : string.Empty) + "<" + from + ">";
        return new SipOriginateRequest
        {
            Target = "sip:" + trunk.DialPrefix + destinationE164 + "@" + hostPort + transport,
            Destination = new SipPeer(new IPEndPoint(Resolve(trunk.Host), trunk.Port), trunk.Transport == "udp" ? SipTransportProtocol.Udp : SipTransportProtocol.Tcp),
            From = from,
            FromDisplayName = callerName,
            Headers = [new SipHeader("P-Asserted-Identity", pai), .. extraHeaders],
            Credentials = trunk.Username is { } user && trunk.Password is { } password ? new SipDigestClient(user, password) : null,
        };
    }

    public static TrunkVerdict Classify(int status) => status switch
    {
        401 or 403 or 407 => TrunkVerdict.AuthRejected,
        408 or 0 or (>= 500 and not 600 and not 603 and not 604 and not 606) => TrunkVerdict.Unavailable,
        _ => TrunkVerdict.Callee,
    };

    public static string Reason(TrunkVerdict verdict, int status) =>
        verdict == TrunkVerdict.AuthRejected ? "auth_rejected" : status is 408 or 0 ? "timeout" : "unavailable";

    private static IPAddress Resolve(string host) => Resolved.GetOrAdd(host, static h =>
        IPAddress.TryParse(h, out var address) ? address
        : Dns.GetHostAddresses(h).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? throw new SocketException((int)SocketError.HostNotFound));
}

/// <summary>
/// The dialer's <see cref="IOutboundCallLayer"/> over SIP and RTP: each call is an <see cref="OutboundLeg"/> through the
/// request's trunk (failing over to the campaign's next trunk on 503, timeout or rejected credentials before anything
/// rang), with ring timeout by CANCEL (never before <see cref="MinimumRingTime"/> of ringing). It is also the call
/// flow's <see cref="IExternalDialer"/> (same trunks, an authorised agent only). Nothing is dialed without a <see cref="DialAuthorization"/> for exactly that number.
/// </summary>
internal sealed partial class SipOutboundCallLayer(
    OutboundLegServices legs,
    TrunkSelector trunks,
    DialAuthorizer authorizer,
    ExternalDialPolicy external,
    Func<IReadOnlySet<string>> knownAgents,
    Func<IConnectedCalls?> connected,
    IvrEngine ivr,
    IvrScriptCatalog catalog,
    IIvrQueueInfo queueInfo,
    DialerMetrics metrics,
    ILogger<SipOutboundCallLayer> logger) : IOutboundCallLayer, IExternalDialer
{
    private readonly OutboundLegServices _legs = legs;
    private readonly TrunkSelector _trunks = trunks;
    private readonly DialAuthorizer _authorizer = authorizer;
    private readonly ExternalDialPolicy _external = external;
    private readonly Func<IReadOnlySet<string>> _knownAgents = knownAgents;
    private readonly Func<IConnectedCalls?> _connected = connected;
    private readonly IvrEngine _ivr = ivr;
    private readonly IvrScriptCatalog _catalog = catalog;
    private readonly IIvrQueueInfo _queueInfo = queueInfo;
    private readonly DialerMetrics _metrics = metrics;
    private readonly ILogger<SipOutboundCallLayer> _logger = logger;
    /// <summary>Regulatory minimum ring time (US TSR: 15 s), counted from the first ring: no CANCEL before it.</summary>
    internal static readonly TimeSpan MinimumRingTime = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<SipCall, TrunkLimiter> _externalCalls = new();
    private int _sweeping;

    public TimeProvider Time => _legs.Time;

    public ValueTask<IOutboundCall> OriginateAsync(OriginateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Authorization is not { } auth || auth.Destination != request.Destination)
        {
            throw new InvalidOperationException($"call {request.CallId}: no authorisation for {request.Destination}");
        }

        return new(new SipOutboundCall(this, request));
    }

    /// <summary>External calls for the call flow: an authorised agent, a valid number in an allowed region, a trunk with room.</summary>
    public ValueTask<ExternalDialResult> DialAsync(ExternalDialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_external.Enabled)
        {
            return new(Refuse(request, "external dialing is disabled (Dialer file: external.enabled)"));
        }

        var agents = _knownAgents();
        var allowed = agents.Contains(request.AuthorizedBy) && (_external.Agents.Count == 0 || _external.Agents.Contains(request.AuthorizedBy));
        var auth = _authorizer.AuthorizeAgent(new AgentDialRights(request.AuthorizedBy, agents.Contains(request.AuthorizedBy), allowed, _external.AllowedRegions), request.Number);
        if (!auth.Allowed)
        {
            return new(Refuse(request, auth.Refusal!));
        }

        var trunk = _trunks.Acquire(_external.Trunks, out var refusal);
        if (trunk is null)
        {
            return new(Refuse(request, $"no trunk: {refusal}"));
        }

        var sip = TrunkDialPlan.Request(trunk.Config, request.Number, request.CallerId, request.CallerName, request.Headers) with { Sdp = request.Sdp };
        var call = _legs.UserAgent.Originate(sip);
        _externalCalls[call] = trunk;
        LogExternal(_logger, request.Purpose, request.AuthorizedBy, request.Number, trunk.Config.Name);
        SweepExternalLater();
        return new(new ExternalDialResult(call, null));
    }

    private ExternalDialResult Refuse(ExternalDialRequest request, string reason)
    {
        _metrics.Refused("external", "unauthorised");
        LogExternalRefused(_logger, request.Purpose, request.AuthorizedBy, request.Number, reason);
        return ExternalDialResult.Refused(reason);
    }

    // The call flow reads the external call's events (one reader per channel): its channel is given back once the
    // call has ended, seen from its state once a second.
    private void SweepExternalLater()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            while (!_externalCalls.IsEmpty)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), Time).ConfigureAwait(false);
                foreach (var (call, trunk) in _externalCalls)
                {
                    if (call.State == SipCallState.Ended && _externalCalls.TryRemove(call, out _))
                    {
                        trunk.Release(trunkFailure: false);
                    }
                }
            }

            Volatile.Write(ref _sweeping, 0);
            if (!_externalCalls.IsEmpty)
            {
                SweepExternalLater();
            }
        });
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "Call {CallId} to {Number} through trunk {Trunk}")]
    private static partial void LogDialing(ILogger logger, string callId, string number, string trunk);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Trunk {Trunk} failed call {CallId} with {Status} ({Reason}); failing over")]
    private static partial void LogTrunkFailed(ILogger logger, string trunk, string callId, int status, string reason);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Error, Message = "Trunk {Trunk} rejected our credentials ({Status}) for call {CallId}: check the trunk's username and password")]
    private static partial void LogAuthRejected(ILogger logger, string trunk, int status, string callId);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Information, Message = "External call ({Purpose}) for {AuthorizedBy} to {Number} through trunk {Trunk}")]
    private static partial void LogExternal(ILogger logger, string purpose, string authorizedBy, string number, string trunk);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "External call ({Purpose}) for {AuthorizedBy} to {Number} refused: {Reason}")]
    private static partial void LogExternalRefused(ILogger logger, string purpose, string authorizedBy, string number, string reason);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Warning, Message = "Call {CallId}: no RTP port free")]
    private static partial void LogNoMedia(ILogger logger, string callId);

    /// <summary>One dialer call: the leg on its current trunk, failover, ring timeout, then the answered leg's media.</summary>
    private sealed class SipOutboundCall(SipOutboundCallLayer layer, OriginateRequest request) : IOutboundCall
    {
        private OutboundLeg? _leg;
        private bool _handedOver;

        public string CallId => request.CallId;

        public async IAsyncEnumerable<DialProgress> ProgressAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var trunk = request.Lease?.Current ?? layer._trunks.Get(request.Trunk)?.Config
                ?? throw new InvalidOperationException($"unknown trunk {request.Trunk}");
            var started = layer.Time.GetTimestamp();
            while (true)
            {
                var leg = Dial(trunk);
                if (leg is null)
                {
                    yield return DialProgress.Failed;
                    yield break;
                }

                var timedOut = false;
                var rang = false;
                var left = request.RingTimeout - layer.Time.GetElapsedTime(started);
                using var ring = layer.Time.CreateTimer(_ =>
                {
                    if (!leg.Answered)
                    {
                        timedOut = true;
                        leg.Hangup();
                    }
                }, null, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                OutboundLegEvent final = default;
                await foreach (var e in leg.EventsAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (e.Status == OutboundLegStatus.Ringing)
                    {
                        if (!rang)
                        {
                            // The callee's phone rings from the first 18x: it rings at least the regulatory minimum
                            // however late the trunk started ringing (the ring timeout itself runs from the dial).
                            var sinceDial = layer.Time.GetElapsedTime(started);
                            if (request.RingTimeout - sinceDial < MinimumRingTime)
                            {
                                ring.Change(MinimumRingTime, Timeout.InfiniteTimeSpan);
                            }
                        }

                        rang = true;
                        yield return DialProgress.Ringing;
                        continue;
                    }

                    final = e;
                    break;
                }

                await ring.DisposeAsync().ConfigureAwait(false);
                if (final.Status == OutboundLegStatus.Answered)
                {
                    yield return DialProgress.Answered;
                    yield break;
                }

                if (timedOut)
                {
                    yield return DialProgress.NoAnswer;
                    yield break;
                }

                var verdict = TrunkDialPlan.Classify(final.StatusCode);
                if (verdict == TrunkVerdict.Callee || rang)
                {
                    yield return final.StatusCode is 486 or 600 or 603 ? DialProgress.Busy
                        : final.StatusCode is 480 or 487 ? DialProgress.NoAnswer
                        : DialProgress.Failed;
                    yield break;
                }

                var reason = TrunkDialPlan.Reason(verdict, final.StatusCode);
                layer._metrics.TrunkFailure(trunk.Name, reason);
                if (verdict == TrunkVerdict.AuthRejected)
                {
                    LogAuthRejected(layer._logger, trunk.Name, final.StatusCode, request.CallId);
                }
                else
                {
                    LogTrunkFailed(layer._logger, trunk.Name, request.CallId, final.StatusCode, reason);
                }

                await leg.DisposeAsync().ConfigureAwait(false);
                _leg = null;
                if (request.Lease is not { } lease || !lease.TryFailOver(out _))
                {
                    yield return DialProgress.Failed;
                    yield break;
                }

                trunk = lease.Current;
            }
        }

        private OutboundLeg? Dial(TrunkConfig trunk)
        {
            var sip = TrunkDialPlan.Request(trunk, request.Destination, request.CallerId, null, []);
            var leg = OutboundLeg.Dial(layer._legs, sip, "dialer-" + request.CallId);
            if (leg is null)
            {
                LogNoMedia(layer._logger, request.CallId);
                return null;
            }

            LogDialing(layer._logger, request.CallId, request.Destination, trunk.Name);
            _leg = leg;
            return leg;
        }

        private OutboundLeg Leg => _leg ?? throw new InvalidOperationException($"call {request.CallId} has no answered leg");

        public IAsyncEnumerable<ReadOnlyMemory<short>> AudioFramesAsync(CancellationToken cancellationToken) => Leg.AudioFramesAsync(cancellationToken);

        public ValueTask<char?> PlayAsync(string prompt, bool collectDigit, CancellationToken cancellationToken) => Leg.PlayAsync(prompt, collectDigit, cancellationToken);

        public async ValueTask<AgentConnectOutcome> ConnectToAgentAsync(AgentConnectRequest connect, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(connect);
            if (layer._connected() is not { } flow)
            {
                Leg.Hangup();
                return AgentConnectOutcome.Refused;
            }

            _handedOver = true;
            var outcome = await Leg.HandOverAsync(flow, new ConnectedCallRequest
            {
                Queue = connect.Queue,
                AgentId = connect.AgentId,
                Priority = connect.Priority,
                CallerId = connect.Lead.E164,
                Direction = connect.Direction,
                Campaign = connect.Campaign ?? request.CampaignId,
                Data = ScreenPop(connect.Lead),
                Arrived = connect.Arrived,
                MaxWait = connect.MaxWait,
                AbandonPrompt = connect.AbandonPrompt,
            }, cancellationToken).ConfigureAwait(false);
            return outcome switch
            {
                ConnectedCallOutcome.Agent => AgentConnectOutcome.Agent,
                ConnectedCallOutcome.Abandoned => AgentConnectOutcome.Abandoned,
                ConnectedCallOutcome.HungUp => AgentConnectOutcome.HungUp,
                _ => AgentConnectOutcome.Refused,
            };
        }

        public async ValueTask RunIvrAsync(string script, Lead lead, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(lead);
            if (!layer._catalog.Current.TryGetScript(script, out var ivrScript))
            {
                Leg.Hangup();
                return;
            }

            var result = await Leg.RunIvrAsync(layer._ivr, ivrScript!, new IvrCallInfo(request.CallId, request.CallerId, lead.E164) { Variables = lead.Fields }, layer._queueInfo, cancellationToken).ConfigureAwait(false);
            if (result.Outcome is IvrQueueOutcome { Queue: { } queue } q)
            {
                await ConnectToAgentAsync(new AgentConnectRequest { Queue = queue, Lead = lead, Priority = q.Priority, Campaign = request.CampaignId }, cancellationToken).ConfigureAwait(false);
                return;
            }

            Leg.Hangup();
        }

        public ValueTask HangupAsync(CancellationToken cancellationToken)
        {
            if (!_handedOver)
            {
                _leg?.Hangup();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => _leg?.DisposeAsync() ?? ValueTask.CompletedTask;

        /// <summary>Lead fields as X-Acd-Data-* keys: letters, digits and '-' only.</summary>
        private static Dictionary<string, string> ScreenPop(Lead lead)
        {
            var data = new Dictionary<string, string>(StringComparer.Ordinal) { ["Lead"] = Clean(lead.Id) };
            foreach (var (key, value) in lead.Fields)
            {
                var name = new string(key.Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray());
                if (name.Length > 0)
                {
                    data.TryAdd(name, Clean(value));
                }
            }

            return data;
        }

        private static string Clean(string value) => new(value.Where(c => !char.IsControl(c)).Take(256).ToArray());
    }
}
