using System.Globalization;
using Acd.Dialer.Calls;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Pacing;
using Acd.Dialer.Trunks;
using Acd.Media.Amd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Dialer.Campaigns;

/// <summary>What one pacing tick did.</summary>
public sealed record TickResult(int Dialed, int Blocked, PacingDecision Decision, string? Stopped);

/// <summary>
/// Drives one running campaign: each <see cref="TickAsync"/> asks the pacer how many lines to open, takes due
/// leads, passes each through compliance and authorisation, takes a trunk channel, and originates. Each call
/// then runs to its outcome: AMD within the 2-second budget, machine -> message after the beep or hang-up,
/// human -> an agent through routing or, past the deadline, the identification message (an abandon). Ticks are
/// serialised by the caller (one loop per campaign); call tasks report back through a lock.
/// </summary>
public sealed class CampaignDialer
{
    /// <summary>Time kept before the connect deadline so the abandon message starts within it.</summary>
    internal static readonly TimeSpan PlaybackMargin = TimeSpan.FromMilliseconds(250);

    private readonly Campaign _campaign;
    private readonly IPacingPolicy _pacing;
    private readonly ComplianceGuard _guard;
    private readonly DialAuthorizer _authorizer;
    private readonly TrunkSelector _trunks;
    private readonly IOutboundCallLayer _calls;
    private readonly IAgentAvailability _agents;
    private readonly IDoNotCallRegistry _dnc;
    private readonly DialerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly AmdOptions _amd;
    private readonly BeepOptions _beep;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];
    private int _inProgress;
    private int _answeredWaiting;
    private long _sequence;

    public CampaignDialer(
        Campaign campaign,
        IPacingPolicy pacing,
        ComplianceGuard guard,
        DialAuthorizer authorizer,
        TrunkSelector trunks,
        IOutboundCallLayer calls,
        IAgentAvailability agents,
        IDoNotCallRegistry dnc,
        DialerMetrics metrics,
        TimeProvider time,
        AmdOptions? amd = null,
        BeepOptions? beep = null,
        ILogger<CampaignDialer>? logger = null)
    {
        _campaign = campaign;
        _pacing = pacing;
        _guard = guard;
        _authorizer = authorizer;
        _trunks = trunks;
        _calls = calls;
        _agents = agents;
        _dnc = dnc;
        _metrics = metrics;
        _time = time;
        _amd = amd ?? new AmdOptions();
        _beep = beep ?? new BeepOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public Campaign Campaign => _campaign;

    /// <summary>Called with each attempt once its outcome is known (call records, persistence); on the call's task.</summary>
    public Action<Lead, LeadAttempt, string>? AttemptRecorded { get; set; }

    /// <summary>Calls dialed and not yet answered or failed.</summary>
    public int LinesInProgress
    {
        get
        {
            lock (_lock)
            {
                return _inProgress;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on the campaign under the lock its calls report through (API reads, lead imports).</summary>
    public T WithCampaign<T>(Func<Campaign, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_lock)
        {
            return action(_campaign);
        }
    }

    /// <summary>Waits for every call started by this dialer to finish.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_running.ToArray());
        }
    }

    /// <summary>An agent of the campaign finished a call (talk plus wrap-up): feeds the release-time model.</summary>
    public void AgentCallEnded(TimeSpan handleTime)
    {
        lock (_lock)
        {
            _campaign.Statistics.RecordHandle(handleTime);
        }
    }

    public async Task<TickResult> TickAsync(CancellationToken cancellationToken)
    {
        if (_campaign.State != CampaignState.Running)
        {
            return new TickResult(0, 0, default, $"campaign is {_campaign.State}");
        }

        var config = _campaign.Config;
        var pool = config.Mode == DialMode.Agentless || config.Queue is null
            ? new AgentPoolSnapshot(0, 0, [])
            : await _agents.GetAsync(config.Queue, cancellationToken).ConfigureAwait(false);
        if (config.Mode != DialMode.Agentless && pool.Staffed == 0)
        {
            return new TickResult(0, 0, default, "no agents staffed");
        }

        var now = _time.GetUtcNow();
        PacingDecision decision;
        lock (_lock)
        {
            _campaign.Statistics.Advance(now);
            decision = _pacing.Decide(new PacingInput
            {
                Campaign = config,
                FreeAgents = pool.Free,
                BusyAgentsElapsed = pool.BusyElapsed,
                LinesInProgress = _inProgress,
                AnsweredWaiting = _answeredWaiting,
                Statistics = _campaign.Statistics,
                Abandons = _campaign.Abandons.Snapshot(now),
            });
            _metrics.Publish(_campaign.Id, _campaign.Abandons.Snapshot(now).Ratio, decision.DialLevel);
        }

        var wanted = Math.Min(decision.NewLines, _trunks.FreeChannels(config.Trunks));
        int dialed = 0, blocked = 0;
        string? stopped = null;
        while (dialed < wanted)
        {
            Lead? lead;
            lock (_lock)
            {
                lead = _campaign.TakeDue(now);
            }

            if (lead is null)
            {
                break;
            }

            var check = _guard.Check(config, lead, now, agentGuaranteed: config.Mode == DialMode.Preview);
            if (!check.Allowed)
            {
                blocked++;
                _metrics.Blocked(_campaign.Id, check.Rule);
                if (check.Rule == ComplianceRule.DoNotCall)
                {
                    _metrics.Call(_campaign.Id, CallOutcome.Dnc);
                }

                Log.Blocked(_logger, _campaign.Id, lead.Id, check.Rule, check.Reason);
                lock (_lock)
                {
                    _campaign.Blocked(lead, check);
                }

                continue;
            }

            var auth = _authorizer.AuthorizeCampaign(_campaign, lead.E164);
            if (!auth.Allowed)
            {
                _metrics.Refused(_campaign.Id, "unauthorised");
                Log.Refused(_logger, _campaign.Id, lead.Id, auth.Refusal!);
                if (_campaign.State != CampaignState.Running)
                {
                    // The campaign stopped under us: the lead is not at fault; keep it and stop dialing.
                    lock (_lock)
                    {
                        _campaign.Return(lead, now);
                    }

                    stopped = auth.Refusal;
                    break;
                }

                // The destination itself is refused (premium rate, region): never dial this lead.
                lock (_lock)
                {
                    _campaign.Blocked(lead, new ComplianceDecision(false, ComplianceRule.None, auth.Refusal!, null));
                }

                continue;
            }

            var trunk = _trunks.Lease(config.Trunks, out var refusal);
            if (trunk is null)
            {
                _metrics.Refused(_campaign.Id, "no_trunk");
                lock (_lock)
                {
                    _campaign.Return(lead, now);
                }

                stopped = $"no trunk: {refusal}";
                break;
            }

            var request = new OriginateRequest
            {
                CallId = string.Create(CultureInfo.InvariantCulture, $"{_campaign.Id}-{Interlocked.Increment(ref _sequence)}"),
                CampaignId = _campaign.Id,
                Destination = lead.E164,
                CallerId = config.CallerId!,
                Trunk = trunk.Name,
                Lease = trunk,
                RingTimeout = config.RingTimeout,
                Fields = lead.Fields,
                Authorization = auth.Authorization!,
            };
            lock (_lock)
            {
                _inProgress++;
                var task = RunCallAsync(request, lead, trunk, cancellationToken);
                _running.Add(task);
                _ = task.ContinueWith(t => Forget(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            dialed++;
        }

        return new TickResult(dialed, blocked, decision, stopped);
    }

    private void Forget(Task task)
    {
        lock (_lock)
        {
            _running.Remove(task);
        }
    }

    private async Task RunCallAsync(OriginateRequest request, Lead lead, TrunkLease trunk, CancellationToken cancellationToken)
    {
        var config = _campaign.Config;
        var started = _time.GetUtcNow();
        var outcome = CallOutcome.Failed;
        TimeSpan? ringToAnswer = null;
        var ringing = true;
        var trunkFailure = false;
        try
        {
            await using var call = await _calls.OriginateAsync(request, cancellationToken).ConfigureAwait(false);
            DialProgress? final = null;
            await foreach (var progress in call.ProgressAsync(cancellationToken).ConfigureAwait(false))
            {
                if (progress != DialProgress.Ringing)
                {
                    final = progress;
                    break;
                }
            }

            EndRinging(ref ringing);
            switch (final)
            {
                case DialProgress.Answered:
                    ringToAnswer = _time.GetUtcNow() - started;
                    outcome = await HandleAnsweredAsync(call, lead, cancellationToken).ConfigureAwait(false);
                    break;
                case DialProgress.Busy:
                    outcome = CallOutcome.Busy;
                    break;
                case DialProgress.NoAnswer:
                    outcome = CallOutcome.NoAnswer;
                    break;
                default:
                    outcome = CallOutcome.Failed;
                    trunkFailure = true;
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = CallOutcome.Failed;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.CallFailed(_logger, e, _campaign.Id, request.CallId);
            outcome = CallOutcome.Failed;
            trunkFailure = true;
        }
        finally
        {
            EndRinging(ref ringing);
            trunk.Release(trunkFailure);
        }

        var attempt = new LeadAttempt(started, _time.GetUtcNow(), outcome, trunk.Name, null);
        lock (_lock)
        {
            _campaign.Record(lead, attempt, ringToAnswer);
        }

        _metrics.Call(_campaign.Id, outcome);
        AttemptRecorded?.Invoke(lead, attempt, request.CallId);
    }

    private void EndRinging(ref bool ringing)
    {
        if (ringing)
        {
            ringing = false;
            lock (_lock)
            {
                _inProgress--;
            }
        }
    }

    private async Task<CallOutcome> HandleAnsweredAsync(IOutboundCall call, Lead lead, CancellationToken cancellationToken)
    {
        var config = _campaign.Config;
        var answeredAt = _time.GetUtcNow();
        var deadline = config.ConnectDeadline - PlaybackMargin;
        var doneWaiting = false;
        lock (_lock)
        {
            _answeredWaiting++;
        }

        try
        {
            if (config.AmdEnabled)
            {
                var verdict = await DetectAsync(call, deadline, cancellationToken).ConfigureAwait(false);
                _metrics.AmdTime(_campaign.Id, _time.GetUtcNow() - answeredAt);
                if (verdict.Status == AmdStatus.Machine)
                {
                    DoneWaiting();
                    await HandleMachineAsync(call, cancellationToken).ConfigureAwait(false);
                    return CallOutcome.Machine;
                }
            }

            if (config.Mode == DialMode.Agentless)
            {
                DoneWaiting();
                return await BroadcastAsync(call, lead, cancellationToken).ConfigureAwait(false);
            }

            // The analysis time counts toward the deadline: only what is left is given to routing, which plays the
            // identification message itself when no agent takes the call in time.
            var left = deadline - (_time.GetUtcNow() - answeredAt);
            if (left <= TimeSpan.Zero)
            {
                DoneWaiting();
                Log.Abandoned(_logger, _campaign.Id, call.CallId);
                await call.PlayAsync(config.AbandonMessage!, collectDigit: false, cancellationToken).ConfigureAwait(false);
                await call.HangupAsync(cancellationToken).ConfigureAwait(false);
                return CallOutcome.Abandoned;
            }

            var connected = await call.ConnectToAgentAsync(
                new AgentConnectRequest
                {
                    Queue = config.Queue!,
                    Lead = lead,
                    Campaign = _campaign.Id,
                    MaxWait = left,
                    AbandonPrompt = config.AbandonMessage,
                },
                cancellationToken).ConfigureAwait(false);
            DoneWaiting();
            if (connected == AgentConnectOutcome.Agent)
            {
                return CallOutcome.AnsweredHuman;
            }

            // A live answer without an agent within the deadline is an abandon, whoever hung up first.
            Log.Abandoned(_logger, _campaign.Id, call.CallId);
            return CallOutcome.Abandoned;
        }
        finally
        {
            DoneWaiting();
        }

        void DoneWaiting()
        {
            lock (_lock)
            {
                if (_answeredWaiting > 0 && !doneWaiting)
                {
                    _answeredWaiting--;
                    doneWaiting = true;
                }
            }
        }
    }

    private async Task<AmdResult> DetectAsync(IOutboundCall call, TimeSpan budget, CancellationToken cancellationToken)
    {
        var detector = new AnsweringMachineDetector(_amd);
        using var timeout = new CancellationTokenSource(budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await foreach (var frame in call.AudioFramesAsync(linked.Token).ConfigureAwait(false))
            {
                if (detector.Feed(frame.Span) is { } result)
                {
                    return result;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Budget spent: NOTSURE, handled as a person.
        }

        return detector.Stop();
    }

    private async Task HandleMachineAsync(IOutboundCall call, CancellationToken cancellationToken)
    {
        var config = _campaign.Config;
        if (config.OnMachine == MachineAction.LeaveMessage)
        {
            // Wait for the beep (at most 30 s of audio), then leave the message.
            var beep = new BeepDetector(_beep);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            try
            {
                await foreach (var frame in call.AudioFramesAsync(linked.Token).ConfigureAwait(false))
                {
                    if (beep.Feed(frame.Span) is not null)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // No beep heard: leave the message anyway, after the greeting.
            }

            await call.PlayAsync(config.Message!, collectDigit: false, cancellationToken).ConfigureAwait(false);
        }

        await call.HangupAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<CallOutcome> BroadcastAsync(IOutboundCall call, Lead lead, CancellationToken cancellationToken)
    {
        var config = _campaign.Config;
        if (config.IvrScript is { } script)
        {
            await call.RunIvrAsync(script, lead, cancellationToken).ConfigureAwait(false);
            return CallOutcome.AnsweredHuman;
        }

        var digit = await call.PlayAsync(config.Message!, collectDigit: true, cancellationToken).ConfigureAwait(false);
        switch (digit)
        {
            case '9':
                _dnc.OptOut(lead.E164, _campaign.Id, "press-9");
                Log.OptedOut(_logger, _campaign.Id, lead.Id, "press-9");
                await call.HangupAsync(cancellationToken).ConfigureAwait(false);
                return CallOutcome.Dnc;
            case '1' when config.Queue is not null:
                await call.ConnectToAgentAsync(new AgentConnectRequest { Queue = config.Queue, Lead = lead, Campaign = _campaign.Id }, cancellationToken).ConfigureAwait(false);
                return CallOutcome.AnsweredHuman;
            default:
                await call.HangupAsync(cancellationToken).ConfigureAwait(false);
                return CallOutcome.AnsweredHuman;
        }
    }
}
