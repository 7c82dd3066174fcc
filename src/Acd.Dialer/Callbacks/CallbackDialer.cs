using System.Globalization;
using Acd.Dialer.Calls;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Trunks;
using Acd.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Dialer.Callbacks;

/// <summary>How callbacks are dialed: the trunks, the caller ID presented, the regions that may be called, retries.</summary>
public sealed record CallbackDialOptions
{
    /// <summary>Callbacks are dialed only when enabled (the dialer file's <c>external</c> policy).</summary>
    public bool Enabled { get; init; }

    /// <summary>E.164 caller ID in From and P-Asserted-Identity; null: nothing is dialed.</summary>
    public string? CallerId { get; init; }

    public IReadOnlyList<string> Trunks { get; init; } = [];

    public IReadOnlyList<string> AllowedRegions { get; init; } = ["US"];

    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Busy, no answer or failed: tried again after <see cref="RetryDelay"/>, up to this many attempts in all.</summary>
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>One callback attempt, once its outcome is known (for the attempt records).</summary>
public sealed record CallbackAttempt(CallbackRequest Request, string CallId, DateTimeOffset Started, DateTimeOffset Ended, CallOutcome Outcome, string? Trunk, bool WillRetry);

/// <summary>
/// Dials the callbacks of a <see cref="CallbackScheduler"/> when their turn comes: every tick, for each queue with
/// callbacks pending, it reads the routing state (free agents, the longest-waiting caller, the named agents' states),
/// takes the due callbacks (one per free agent not already promised a ringing callback), dials each through the trunks
/// (authorised for that number, caller ID of the options) and hands the answered call to the queue flow at priority 9
/// with the callback's original arrival (keep-my-place) so the wait already done is honoured; a named callback rings
/// only that agent. Busy, no answer and failures are retried per <see cref="CallbackDialOptions"/>.
/// </summary>
public sealed partial class CallbackDialer
{
    private readonly CallbackScheduler _scheduler = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _ringing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _running = [];
    private readonly IOutboundCallLayer _calls;
    private readonly TrunkSelector _trunks;
    private readonly DialAuthorizer _authorizer;
    private readonly IQueueStore _routing;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _sequence;

    public CallbackDialer(CallbackDialOptions options, IOutboundCallLayer calls, TrunkSelector trunks, DialAuthorizer authorizer, IQueueStore routing, TimeProvider time, ILogger<CallbackDialer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _calls = calls;
        _trunks = trunks;
        _authorizer = authorizer;
        _routing = routing;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public CallbackDialOptions Options { get; }

    /// <summary>Called with each attempt once its outcome is known; on the call's task.</summary>
    public Action<CallbackAttempt>? AttemptRecorded { get; set; }

    /// <summary>Called when a callback is scheduled or rescheduled for a retry (persistence: it must survive a restart).</summary>
    public Action<CallbackRequest>? Saved { get; set; }

    /// <summary>Called with a callback's id once it is done with (cancelled, connected, given up, refused).</summary>
    public Action<string>? Removed { get; set; }

    /// <summary>Callbacks waiting for their turn.</summary>
    public IReadOnlyList<CallbackRequest> Pending
    {
        get
        {
            lock (_lock)
            {
                return [.. _scheduler.Pending];
            }
        }
    }

    /// <summary>Callbacks dialed and not yet answered or failed.</summary>
    public int Ringing
    {
        get
        {
            lock (_lock)
            {
                return _ringing.Values.Sum();
            }
        }
    }

    /// <summary>Why this callback cannot be taken (null: scheduled).</summary>
    public string? Schedule(CallbackRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Options.Enabled || Options.CallerId is null || Options.Trunks.Count == 0)
        {
            return "callbacks to numbers need the dialer's external policy enabled with a caller ID and trunks";
        }

        lock (_lock)
        {
            if (_scheduler.Pending.Any(p => p.Id == request.Id))
            {
                return $"callback {request.Id} is already scheduled";
            }

            _scheduler.Add(request);
        }

        Saved?.Invoke(request);
        Log.Scheduled(_logger, request.Id, request.Kind, request.Queue, request.AgentId ?? "(pool)", request.At);
        return null;
    }

    public bool Cancel(string id)
    {
        bool cancelled;
        lock (_lock)
        {
            cancelled = _scheduler.Cancel(id);
        }

        if (cancelled)
        {
            Removed?.Invoke(id);
        }

        return cancelled;
    }

    /// <summary>Puts back a callback saved before a restart (no policy check: it was accepted then; refused at dial time if no longer allowed).</summary>
    public bool Restore(CallbackRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            if (_scheduler.Pending.Any(p => p.Id == request.Id))
            {
                return false;
            }

            _scheduler.Add(request);
            return true;
        }
    }

    /// <summary>Waits for every callback call started to finish.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_running.ToArray());
        }
    }

    /// <summary>Dials the callbacks whose turn has come; returns how many were dialed.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        List<IGrouping<string, CallbackRequest>> queues;
        lock (_lock)
        {
            queues = [.. _scheduler.Pending.GroupBy(p => p.Queue, StringComparer.Ordinal)];
        }

        var dialed = 0;
        foreach (var queue in queues)
        {
            var snapshot = await _routing.GetQueueSnapshotAsync(queue.Key, cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                continue;
            }

            var named = new HashSet<string>(StringComparer.Ordinal);
            foreach (var agent in queue.Select(p => p.AgentId).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (await _routing.GetAgentAsync(agent, cancellationToken).ConfigureAwait(false) is { State: AgentState.Available })
                {
                    named.Add(agent);
                }
            }

            var now = _time.GetUtcNow();
            DateTimeOffset? oldest = snapshot.Waiting > 0 ? now - TimeSpan.FromMilliseconds(snapshot.LongestWaitMs) : null;
            IReadOnlyList<DueCallback> due;
            lock (_lock)
            {
                var free = snapshot.AvailableAgents - _ringing.GetValueOrDefault(queue.Key);
                due = _scheduler.TakeDue(queue.Key, now, oldest, free, named);
            }

            foreach (var callback in due)
            {
                if (Dial(callback, cancellationToken))
                {
                    dialed++;
                }
            }
        }

        return dialed;
    }

    private bool Dial(DueCallback due, CancellationToken cancellationToken)
    {
        var request = due.Request;
        var auth = _authorizer.AuthorizeAgent(new AgentDialRights(request.AgentId ?? "callback", true, Options.Enabled, Options.AllowedRegions), request.E164);
        var now = _time.GetUtcNow();
        if (!auth.Allowed || Options.CallerId is not { } callerId)
        {
            var reason = auth.Refusal ?? "no caller ID";
            Log.Refused(_logger, request.Id, reason);
            AttemptRecorded?.Invoke(new CallbackAttempt(request, request.Id, now, now, CallOutcome.Failed, null, false));
            Removed?.Invoke(request.Id);
            return false;
        }

        var lease = _trunks.Lease(Options.Trunks, out var refusal);
        if (lease is null)
        {
            // No trunk room now: the callback keeps its place and is tried on a later tick.
            Log.NoTrunk(_logger, request.Id, refusal.ToString());
            lock (_lock)
            {
                _scheduler.Add(request);
            }

            return false;
        }

        var originate = new OriginateRequest
        {
            CallId = string.Create(CultureInfo.InvariantCulture, $"callback-{request.Id}-{Interlocked.Increment(ref _sequence)}"),
            CampaignId = "callback",
            Destination = request.E164,
            CallerId = callerId,
            Trunk = lease.Name,
            Lease = lease,
            RingTimeout = Options.RingTimeout,
            Fields = request.Fields,
            Authorization = auth.Authorization!,
        };
        lock (_lock)
        {
            _ringing[request.Queue] = _ringing.GetValueOrDefault(request.Queue) + 1;
            var task = RunAsync(due, originate, lease, cancellationToken);
            _running.Add(task);
            _ = task.ContinueWith(
                t =>
                {
                    lock (_lock)
                    {
                        _running.Remove(t);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        Log.Dialing(_logger, request.Id, originate.CallId, request.E164, lease.Name, due.OriginalWait.TotalSeconds);
        return true;
    }

    private async Task RunAsync(DueCallback due, OriginateRequest originate, TrunkLease lease, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var request = due.Request;
        var started = _time.GetUtcNow();
        var outcome = CallOutcome.Failed;
        var ringing = true;
        var trunkFailure = false;
        try
        {
            await using var call = await _calls.OriginateAsync(originate, cancellationToken).ConfigureAwait(false);
            var final = await call.ProgressAsync(cancellationToken).Select(p => (DialProgress?)p)
                .FirstOrDefaultAsync(p => p != DialProgress.Ringing, cancellationToken).ConfigureAwait(false);

            EndRinging(request.Queue, ref ringing);
            switch (final)
            {
                case DialProgress.Answered:
                    var connected = await call.ConnectToAgentAsync(
                        new AgentConnectRequest
                        {
                            Queue = request.Queue,
                            AgentId = request.AgentId,
                            Priority = due.Priority,
                            Lead = new Lead(request.Id, request.E164, [], request.Fields, 0),
                            Campaign = "callback",
                            Direction = "callback",
                            Arrived = request.Kind == CallbackKind.KeepMyPlace ? request.At : null,
                        },
                        cancellationToken).ConfigureAwait(false);
                    outcome = connected switch
                    {
                        AgentConnectOutcome.Agent => CallOutcome.AnsweredHuman,
                        AgentConnectOutcome.Abandoned or AgentConnectOutcome.HungUp => CallOutcome.Abandoned,
                        _ => CallOutcome.Failed,
                    };
                    break;
                case DialProgress.Busy:
                    outcome = CallOutcome.Busy;
                    break;
                case DialProgress.NoAnswer:
                    outcome = CallOutcome.NoAnswer;
                    break;
                default:
                    trunkFailure = true;
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.CallFailed(_logger, e, request.Id, originate.CallId);
            trunkFailure = true;
        }
        finally
        {
            EndRinging(request.Queue, ref ringing);
            lease.Release(trunkFailure);
        }

        var retry = Retry(request, outcome);
        if (retry is null)
        {
            Removed?.Invoke(request.Id);
        }
        else
        {
            Saved?.Invoke(retry);
        }

        Log.Ended(_logger, request.Id, originate.CallId, outcome, retry is not null);
        AttemptRecorded?.Invoke(new CallbackAttempt(request, originate.CallId, started, _time.GetUtcNow(), outcome, lease.Name, retry is not null));
    }

    private CallbackRequest? Retry(CallbackRequest request, CallOutcome outcome)
    {
        lock (_lock)
        {
            var attempts = _attempts[request.Id] = _attempts.GetValueOrDefault(request.Id) + 1;
            if (outcome is not (CallOutcome.Busy or CallOutcome.NoAnswer or CallOutcome.Failed) || attempts >= Options.MaxAttempts)
            {
                _attempts.Remove(request.Id);
                return null;
            }

            // A retry is a scheduled call at the retry time; a keep-my-place callback keeps its original arrival in its fields.
            var retry = request with { Kind = CallbackKind.Scheduled, At = _time.GetUtcNow() + Options.RetryDelay };
            _scheduler.Add(retry);
            return retry;
        }
    }

    private void EndRinging(string queue, ref bool ringing)
    {
        if (!ringing)
        {
            return;
        }

        ringing = false;
        lock (_lock)
        {
            _ringing[queue] = _ringing.GetValueOrDefault(queue) - 1;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6050, Level = LogLevel.Information, Message = "Callback {Id} ({Kind}) scheduled for queue {Queue}, agent {Agent}, at {At}")]
        public static partial void Scheduled(ILogger logger, string id, CallbackKind kind, string queue, string agent, DateTimeOffset at);

        [LoggerMessage(EventId = 6051, Level = LogLevel.Information, Message = "Callback {Id}: call {CallId} to {Number} through trunk {Trunk} (waited {WaitedSeconds} s before)")]
        public static partial void Dialing(ILogger logger, string id, string callId, string number, string trunk, double waitedSeconds);

        [LoggerMessage(EventId = 6052, Level = LogLevel.Warning, Message = "Callback {Id} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string id, string reason);

        [LoggerMessage(EventId = 6053, Level = LogLevel.Warning, Message = "Callback {Id} waits: no trunk ({Reason})")]
        public static partial void NoTrunk(ILogger logger, string id, string reason);

        [LoggerMessage(EventId = 6054, Level = LogLevel.Information, Message = "Callback {Id} call {CallId} ended {Outcome} (retry: {Retry})")]
        public static partial void Ended(ILogger logger, string id, string callId, CallOutcome outcome, bool retry);

        [LoggerMessage(EventId = 6055, Level = LogLevel.Error, Message = "Callback {Id} call {CallId} failed in the call layer")]
        public static partial void CallFailed(ILogger logger, Exception exception, string id, string callId);
    }
}
