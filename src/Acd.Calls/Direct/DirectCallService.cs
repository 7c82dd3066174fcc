using System.Collections.Concurrent;
using Acd.Calls.Inbound;
using Acd.Calls.Records;
using Acd.Media.Sdp;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Calls.Direct;

/// <summary>The shared services every direct call uses.</summary>
public sealed record DirectCallDependencies
{
    public required SipUserAgent UserAgent { get; init; }

    public required IMediaSessionFactory Media { get; init; }

    /// <summary>Where the called agent's phones are.</summary>
    public required IAgentDirectory Agents { get; init; }

    public required IAgentExtensions Extensions { get; init; }

    public required IAgentBusy Busy { get; init; }

    public required ICallRecordSink Records { get; init; }

    public required TimeProvider Time { get; init; }

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Where direct calls list their dialogs for attended transfers (REFER with Replaces); null: not listed.</summary>
    public ConsultCallRegistry? Consults { get; init; }
}

/// <summary>
/// Calls between agents: an INVITE whose Request-URI user is an agent's extension, from a party that authenticates as
/// an agent, becomes one <see cref="DirectCall"/> actor (a B2BUA between the two phones). The service also knows which
/// agents are on a direct call on this node, so a second call to either gets 486 at once.
/// </summary>
public sealed class DirectCallService : IAsyncDisposable
{
    private readonly RunningCalls<DirectCall> _running = new();
    private readonly ConcurrentDictionary<string, DirectCall> _agents = new(StringComparer.Ordinal);
    private readonly DirectCallDependencies _deps;

    public DirectCallService(DirectCallOptions options, DirectCallDependencies dependencies)
    {
        ArgumentNullException.ThrowIfNull(options);
        CallPlumbing.ThrowIfInvalid(options.Validate(), nameof(options));

        Options = options;
        _deps = dependencies ?? throw new ArgumentNullException(nameof(dependencies));
        Logger = dependencies.Loggers.CreateLogger<DirectCallService>();
    }

    public DirectCallOptions Options { get; }

    /// <summary>Direct calls in progress on this node (authenticating, ringing or talking).</summary>
    public int ActiveCalls => _running.Count;

    internal ILogger Logger { get; }

    internal SipUserAgent UserAgent => _deps.UserAgent;

    internal IMediaSessionFactory Media => _deps.Media;

    internal IAgentDirectory Agents => _deps.Agents;

    internal IAgentExtensions Extensions => _deps.Extensions;

    internal IAgentBusy Busy => _deps.Busy;

    internal TimeProvider Time => _deps.Time;

    /// <summary>
    /// Takes an incoming INVITE when its Request-URI user is an agent's extension (true) and runs the direct call:
    /// the caller is authenticated first (407/403 otherwise). False leaves the INVITE to the number plan.
    /// </summary>
    public bool TryAccept(SipCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var dialed = CallPlumbing.DialedUser(call);
        if (dialed.Length == 0 || _deps.Extensions.FindByExtension(dialed) is not { } callee)
        {
            return false;
        }

        var direct = new DirectCall(this, call, callee);
        _deps.Consults?.Add(call.CallId, direct);
        _running.Start(direct);

        return true;
    }

    /// <summary>Hangs up every direct call (node shutdown) and waits for them to restore their agents and write their records.</summary>
    public async ValueTask DisposeAsync()
    {
        await _running.StopAllAsync(static c => c.Post(new DirectCall.Shutdown()), TimeSpan.FromSeconds(10), Time).ConfigureAwait(false);
    }

    /// <summary>Claims <paramref name="agentId"/> for <paramref name="call"/> on this node; false when another direct call has it.</summary>
    internal bool TryClaim(string agentId, DirectCall call) => _agents.TryAdd(agentId, call);

    internal void Release(string agentId, DirectCall call) => _agents.TryRemove(new KeyValuePair<string, DirectCall>(agentId, call));

    internal SdpNegotiator NewNegotiator(int port) => CallPlumbing.NewNegotiator(Options.MediaAddress, port);

    internal void Finished(DirectCall call, CallRecord? record)
    {
        _running.Finished(call);
        _deps.Consults?.Remove(call.CallId, call);
        if (record is null)
        {
            return;
        }

        Log.Finished(Logger, record.CallId, record.Outcome.ToString(), record.Reason);
        try
        {
            _deps.Records.Write(record);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.RecordFailed(Logger, record.CallId, e);
        }
    }
}
