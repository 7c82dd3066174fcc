using Acd.Calls.Inbound;
using Acd.Media.Audio;
using Acd.Media.Sdp;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Calls.Features;

/// <summary>The shared services every feature-code call uses.</summary>
public sealed record FeatureCodeDependencies
{
    public required IMediaSessionFactory Media { get; init; }

    public required IFeatureDirectory Directory { get; init; }

    public required IAgentStateControl Agents { get; init; }

    public required IAgentDispositions Dispositions { get; init; }

    /// <summary>The node's live calls (for <c>*90</c>); null while the call service is not up.</summary>
    public required Func<ICallControl?> Calls { get; init; }

    public required PromptCache Prompts { get; init; }

    public required FeatureCodeMetrics Metrics { get; init; }

    public required TimeProvider Time { get; init; }

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>How one feature-code call ended (for logs and tests): the code, the agent, the result and what was played.</summary>
public sealed record FeatureCodeOutcome(string CallId, string Code, FeatureKind Kind, string? AgentId, string Result, string? Detail, IReadOnlyList<string> Prompts);

/// <summary>The results counted in <c>acd_feature_codes_total{result}</c>.</summary>
public static class FeatureResults
{
    public const string Ok = "ok";
    public const string InvalidCode = "invalid_code";
    public const string NoInput = "no_input";
    public const string NotAllowed = "not_allowed";
    public const string NotAnAgent = "not_an_agent";
    public const string NotFound = "not_found";
    public const string NoCall = "no_call";
    public const string Failed = "failed";
    public const string HungUp = "hung_up";
}

/// <summary>
/// Feature codes dialed from an agent's phone: an INVITE whose Request-URI user is a configured code (<c>*45</c>,
/// <c>*46</c>2, <c>*90</c>1002...) is authenticated (407/403: the authenticated digest user is the agent, never From),
/// answered, acted on through routing, confirmed by a spoken prompt and hung up. <c>*90</c> hands the supervisor's call
/// to <see cref="ICallControl.SuperviseAsync(string, string, SipCall, SupervisionMode, CancellationToken)"/>.
/// </summary>
public sealed class FeatureCodeService : IAsyncDisposable
{
    private readonly RunningCalls<FeatureCodeCall> _running = new();
    private readonly FeatureCodeDependencies _deps;

    public FeatureCodeService(FeatureCodeOptions options, FeatureCodeDependencies dependencies)
    {
        ArgumentNullException.ThrowIfNull(options);
        CallPlumbing.ThrowIfInvalid(options.Validate(), nameof(options));

        Options = options;
        _deps = dependencies ?? throw new ArgumentNullException(nameof(dependencies));
        Logger = dependencies.Loggers.CreateLogger<FeatureCodeService>();
    }

    public FeatureCodeOptions Options { get; }

    /// <summary>Feature-code calls in progress.</summary>
    public int ActiveCalls => _running.Count;

    /// <summary>Raised when a call ends (after authentication), on the call's thread.</summary>
    public event Action<FeatureCodeOutcome>? Completed;

    internal ILogger Logger { get; }

    internal FeatureCodeDependencies Deps => _deps;

    internal TimeProvider Time => _deps.Time;

    /// <summary>
    /// Takes an incoming INVITE when its Request-URI user is a feature code (true) and runs it; false leaves the INVITE
    /// to the direct calls and the number plan.
    /// </summary>
    public bool TryAccept(SipCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var dialed = CallPlumbing.DialedUser(call);
        if (dialed.Length == 0 || _deps.Directory.Codes.Match(dialed) is not { } request)
        {
            return false;
        }

        var feature = new FeatureCodeCall(this, call, request);
        _running.Start(feature);

        return true;
    }

    /// <summary>Hangs up every feature-code call (node shutdown) and waits (bounded) for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _running.StopAllAsync(static c => c.Stop(), TimeSpan.FromSeconds(5), Time).ConfigureAwait(false);
    }

    internal SdpNegotiator NewNegotiator(int port) => CallPlumbing.NewNegotiator(Options.MediaAddress, port);

    internal void Finished(FeatureCodeCall call, FeatureCodeOutcome? outcome)
    {
        _running.Finished(call);
        if (outcome is null)
        {
            return;
        }

        _deps.Metrics.Used(outcome.Code, outcome.Result);
        Log.Finished(Logger, outcome.CallId, outcome.Code, outcome.AgentId ?? "-", outcome.Result, outcome.Detail);
        Completed?.Invoke(outcome);
    }
}
