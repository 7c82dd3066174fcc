using System.Diagnostics.Metrics;
using Acd.Calls.Features;
using Acd.Calls.Inbound;
using Acd.Media.Audio;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Sip.Ua;
using Acd.Transport.Rtp;

namespace Acd.Server.Calls;

/// <summary>
/// Feature codes on this node: builds the <see cref="FeatureCodeService"/> with the codes, pause reasons, dispositions
/// and agents' roles of the contact-center configuration in force, agent state changes through the routing engine (so
/// metrics and events follow), dispositions and supervision through the node's call service.
/// <see cref="InboundCallHost"/> offers it every INVITE before the direct calls and the number plan.
/// </summary>
internal sealed class FeatureCodeHost : IAsyncDisposable
{
    private readonly FeatureCodeService _service;
    private readonly FeatureCodeMetrics _metrics;

    public FeatureCodeHost(
        string host, string promptDirectory, ContactCenter center, AcdRouter router, PromptCache prompts, RtpSessionFactory rtp,
        Func<InboundCallService?> calls, TimeProvider time, ILoggerFactory loggers, IMeterFactory meters)
    {
        _metrics = new FeatureCodeMetrics(meters);
        _service = new FeatureCodeService(
            new FeatureCodeOptions { MediaAddress = host, PromptDirectory = promptDirectory },
            new FeatureCodeDependencies
            {
                Media = new RtpMediaSessions(rtp),
                Directory = new ConfigFeatureDirectory(center),
                Agents = new RoutingAgentStateControl(router),
                Dispositions = new CallServiceDispositions(calls),
                Calls = calls,
                Prompts = prompts,
                Metrics = _metrics,
                Time = time,
                Loggers = loggers,
            });
    }

    /// <summary>Takes the INVITE when it dials a feature code; false leaves it to the direct calls and the number plan.</summary>
    public bool TryRoute(SipCall call) => _service.TryAccept(call);

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }

    /// <summary>The feature codes, pause reasons, dispositions and agents of the configuration in force (indexed once per version).</summary>
    internal sealed class ConfigFeatureDirectory(ContactCenter center) : IFeatureDirectory
    {
        private Index? _index;

        public FeatureCodeMap Codes => center.Current.FeatureCodes;

        public FeatureAgent? FindByExtension(string extension) => Current().Agents.GetValueOrDefault(extension);

        public string? PauseReason(string code) => center.Current.PauseReasons.GetValueOrDefault(code);

        public string? Disposition(string code) => center.Current.Dispositions.GetValueOrDefault(code);

        private Index Current()
        {
            var config = center.Current;
            var i = Volatile.Read(ref _index);
            if (i is null || !ReferenceEquals(i.Version, config))
            {
                i = new Index(config, config.Agents.ToDictionary(
                    a => a.Extension,
                    a => new FeatureAgent(a.Id, a.Extension, a.Roles.Contains("supervisor", StringComparer.Ordinal)),
                    StringComparer.Ordinal));
                Volatile.Write(ref _index, i);
            }

            return i;
        }

        private sealed record Index(ContactCenterConfig Version, Dictionary<string, FeatureAgent> Agents);
    }

    /// <summary>Agent state changes through <see cref="AcdRouter"/>: the same path as the API and presence, so metrics and events follow.</summary>
    internal sealed class RoutingAgentStateControl(AcdRouter router) : IAgentStateControl
    {
        public async Task<AgentPresence?> GetAsync(string agentId, CancellationToken cancellationToken) =>
            (await router.GetAgentAsync(agentId, cancellationToken).ConfigureAwait(false))?.State switch
            {
                null => null,
                AgentState.LoggedOut => AgentPresence.LoggedOut,
                AgentState.Available => AgentPresence.Available,
                AgentState.Paused => AgentPresence.Paused,
                AgentState.WrapUp => AgentPresence.WrapUp,
                _ => AgentPresence.Busy,
            };

        public async Task<CallControlResult> LoginAsync(string agentId, CancellationToken cancellationToken) =>
            Map(await router.LoginAsync(agentId, cancellationToken).ConfigureAwait(false));

        public async Task<CallControlResult> LogoutAsync(string agentId, CancellationToken cancellationToken) =>
            Map(await router.LogoutAsync(agentId, cancellationToken).ConfigureAwait(false));

        public async Task<CallControlResult> PauseAsync(string agentId, string reason, CancellationToken cancellationToken) =>
            Map(await router.PauseAsync(agentId, reason, cancellationToken).ConfigureAwait(false));

        public async Task<CallControlResult> MakeAvailableAsync(string agentId, CancellationToken cancellationToken) =>
            Map(await router.MakeAvailableAsync(agentId, cancellationToken).ConfigureAwait(false));

        private static CallControlResult Map(RoutingResult result) =>
            result.Succeeded ? CallControlResult.Ok : CallControlResult.Fail(CallControlError.InvalidState, result.Reason ?? result.Error.ToString());
    }

    /// <summary>Dispositions go to the call service, which holds the agent's last record open during wrap-up.</summary>
    private sealed class CallServiceDispositions(Func<InboundCallService?> calls) : IAgentDispositions
    {
        public bool SetDisposition(string agentId, string disposition) => calls()?.SetDisposition(agentId, disposition) ?? false;
    }
}
