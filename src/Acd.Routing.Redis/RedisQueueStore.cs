using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Acd.Routing.Redis;

/// <summary>
/// <see cref="IQueueStore"/> on Redis, shared by every Acd node. Each operation is one call of routing.lua (one
/// round trip; atomic), so no agent is reserved twice and no call is offered twice however many nodes decide at
/// once. Keys are documented in README.md. Built-in strategies only: they run inside the script.
/// </summary>
public sealed class RedisQueueStore : IQueueStore, IRemoteRoutingEvents
{
    private static readonly string Script = LoadScript("Acd.Routing.Redis.routing.lua");
    private readonly RedisScriptRunner _runner;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly RedisRoutingOptions _options;
    private readonly IDatabase _db;
    private readonly IConnectionMultiplexer _redis;
    private string _selfNode = "";

    public RedisQueueStore(IConnectionMultiplexer redis, RedisRoutingOptions options, TimeProvider time, Random? random = null, RoutingMetrics? metrics = null, ILogger<RedisQueueStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = random ?? Random.Shared;
        _logger = logger ?? NullLogger<RedisQueueStore>.Instance;
        _runner = new RedisScriptRunner(redis, Script, options, time, metrics, _logger);
        _db = redis.GetDatabase();
        _redis = redis;
    }

    /// <summary>Failed attempts (connection failures and timeouts) that were retried or given up.</summary>
    public long RedisFailures => _runner.Failures;

    internal static string LoadScript(string name)
    {
        using var stream = typeof(RedisQueueStore).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded script {name} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public async Task<IReadOnlyList<ConfigError>> LoadAsync(RoutingConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = RoutingConfigValidator.Validate(config);
        if (errors.Count > 0)
        {
            return errors;
        }

        var p = _options.KeyPrefix;
        var batch = new List<Task> { _db.HashSetAsync(p + "cfg", "rnalimit", config.RingNoAnswerLimit) };
        if (config.Skills.Count > 0)
        {
            batch.Add(_db.SetAddAsync(p + "skills", config.Skills.Select(s => (RedisValue)s).ToArray()));
        }

        foreach (var q in config.Queues)
        {
            batch.Add(_db.SetAddAsync(p + "queues", q.Name));
            batch.Add(_db.HashSetAsync(p + "q:" + q.Name,
            [
                new("strat", q.Strategy),
                new("prio", q.Priority),
                new("sl", Ms(q.ServiceLevelThreshold)),
                new("maxwait", Ms(q.MaxWait)),
                new("maxlen", q.MaxLength),
                new("wrap", Ms(q.WrapUp)),
                new("ring", Ms(q.RingTimeout)),
                new("shortab", Ms(q.ShortAbandonThreshold)),
                new("weight", q.Weight.ToString("R", CultureInfo.InvariantCulture)),
                new("aht0", Ms(q.InitialHandleTime)),
                new("req", Requirements(q.Skills)),
                new("esc", string.Join(';', q.Escalation.Select(s => string.Create(CultureInfo.InvariantCulture,
                    $"{Ms(s.After)}:{(int)s.Action}:{s.MinLevel}:{s.Target}")))),
            ]));
            batch.Add(_db.KeyDeleteAsync(p + "qa:" + q.Name));
        }

        await Task.WhenAll(batch).ConfigureAwait(false);
        foreach (var a in config.Agents)
        {
            var queues = config.Queues.Where(q => InMemoryQueueStore.QueueServes(q, a.Skills)).Select(q => q.Name).Order(StringComparer.Ordinal);
            var skills = string.Join(',', a.Skills.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key}={s.Value}")));
            await RunAsync("load_agent", cancellationToken, a.Id, skills, string.Join(',', queues)).ConfigureAwait(false);
        }

        return [];
    }

    public Task<RoutingResult> SetAgentStateAsync(string agentId, AgentState state, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (!AgentTransitions.IsManualTarget(state))
        {
            return Task.FromResult(RoutingResult.Fail(RoutingError.IllegalTransition, $"{state} is entered only by routing"));
        }

        return RunAsync("agent_state", cancellationToken, agentId, (int)state, Clean(reason));
    }

    public Task<RoutingResult> EnqueueAsync(CallRequest call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var invalid = RoutingConfigValidator.ValidateCall(call, null);
        if (invalid is not null)
        {
            return Task.FromResult(RoutingResult.Fail(RoutingError.InvalidRequest, invalid));
        }

        return EnqueueCoreAsync(call, cancellationToken);
    }

    private async Task<RoutingResult> EnqueueCoreAsync(CallRequest call, CancellationToken cancellationToken)
    {
        var (result, attempts) = await RunCoreAsync("enqueue", cancellationToken, call.CallId, call.Queue,
            call.Priority?.ToString(CultureInfo.InvariantCulture) ?? "", Requirements(call.ExtraSkills), call.Node,
            call.Arrived?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "").ConfigureAwait(false);

        // A timed-out attempt may have run: the call is then queued already, which is the effect we wanted
        // (its events went with the lost reply; a reservation made then still fires its lease).
        return result.Error == RoutingError.DuplicateCall && attempts > 1 ? RoutingResult.Empty : result;
    }

    public Task<RoutingResult> AbandonAsync(string callId, CancellationToken cancellationToken = default) =>
        RunAsync("abandon", cancellationToken, callId);

    public Task<RoutingResult> CompleteReservationAsync(string callId, string agentId, ReservationOutcome outcome, CancellationToken cancellationToken = default) =>
        RunAsync("complete", cancellationToken, callId, agentId, (int)outcome);

    public async Task<RoutingResult> EndCallAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync("endcall", cancellationToken, agentId).ConfigureAwait(false);
        if (result.Error == RoutingError.IllegalTransition)
        {
            var agent = await GetAgentAsync(agentId, cancellationToken).ConfigureAwait(false);
            return RoutingResult.Fail(RoutingError.IllegalTransition, $"agent '{agentId}' is {agent?.State}, not on a call");
        }

        return result;
    }

    public Task<RoutingResult> ProcessDueAsync(int maxItems = 256, CancellationToken cancellationToken = default) =>
        RunAsync("due", cancellationToken, maxItems);

    public async Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        var (rr, _) = await _runner.RunAsync(() => Args("nextdue", []), cancellationToken).ConfigureAwait(false);
        var r = (RedisResult[])rr!;
        var s = (string?)r[1];
        return string.IsNullOrEmpty(s) ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(s, CultureInfo.InvariantCulture));
    }

    public async Task HeartbeatAsync(string node, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var (_, _) = await _runner.RunAsync(() => Args("heartbeat", [node, Ms(ttl)]), cancellationToken).ConfigureAwait(false);
    }

    public async Task<CallPosition?> GetCallPositionAsync(string callId, CancellationToken cancellationToken = default)
    {
        var (rr, _) = await _runner.RunAsync(() => Args("position", [callId]), cancellationToken).ConfigureAwait(false);
        var r = (RedisResult[])rr!;
        if (r.Length < 3)
        {
            return null;
        }

        var agent = (string?)r[10];
        return new CallPosition(callId, (string)r[3]!, (string?)r[2] == "w", (int)r[4], (int)r[5], (int)r[6], (int)r[7],
            double.Parse((string)r[11]!, CultureInfo.InvariantCulture),
            double.Parse((string)r[8]!, CultureInfo.InvariantCulture), long.Parse((string)r[9]!, CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(agent) ? null : agent);
    }

    public async Task<QueueSnapshot?> GetQueueSnapshotAsync(string queue, CancellationToken cancellationToken = default)
    {
        var (rr, _) = await _runner.RunAsync(() => Args("snapshot", [queue]), cancellationToken).ConfigureAwait(false);
        var r = (RedisResult[])rr!;
        if (r.Length < 3)
        {
            return null;
        }

        long L(int i) => long.Parse((string?)r[i] ?? "0", CultureInfo.InvariantCulture);
        var byState = new Dictionary<AgentState, int>();
        for (var s = 0; s < 6; s++)
        {
            byState[(AgentState)s] = (int)r[15 + s];
        }

        return new QueueSnapshot
        {
            Queue = queue,
            Waiting = (int)L(2),
            LongestWaitMs = L(3),
            AverageHandleMs = L(4),
            Offered = L(5),
            Answered = L(6),
            Abandoned = L(7),
            ShortAbandoned = L(8),
            AnsweredWithinServiceLevel = L(9),
            Transferred = L(10),
            LostByFailure = L(11),
            WaitSumMs = L(12),
            HandleSumMs = L(13),
            Handled = L(14),
            AgentsByState = byState,
            EffectiveStaff = double.Parse((string)r[21]!, CultureInfo.InvariantCulture),
        };
    }

    public async Task<AgentSnapshot?> GetAgentAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var (rr, _) = await _runner.RunAsync(() => Args("agent", [agentId]), cancellationToken).ConfigureAwait(false);
        var r = (RedisResult[])rr!;
        if (r.Length < 3)
        {
            return null;
        }

        var reason = (string?)r[3];
        var call = (string?)r[5];
        return new AgentSnapshot(agentId, (AgentState)int.Parse((string)r[2]!, CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(reason) ? null : reason, long.Parse((string)r[4]!, CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(call) ? null : call, int.Parse((string?)r[6] ?? "0", CultureInfo.InvariantCulture),
            int.Parse((string?)r[7] ?? "0", CultureInfo.InvariantCulture), long.Parse((string?)r[8] ?? "0", CultureInfo.InvariantCulture));
    }

    private async Task<RoutingResult> RunAsync(string op, CancellationToken cancellationToken, params RedisValue[] args) =>
        (await RunCoreAsync(op, cancellationToken, args).ConfigureAwait(false)).Result;

    private async Task<(RoutingResult Result, int Attempts)> RunCoreAsync(string op, CancellationToken cancellationToken, params RedisValue[] args)
    {
        var opId = Guid.NewGuid().ToString("N");
        var (rr, attempts) = await _runner.RunAsync(() => Args(op, args, opId), cancellationToken).ConfigureAwait(false);
        var r = (RedisResult[])rr!;
        var error = (RoutingError)(int)r[0];
        if (error != RoutingError.None)
        {
            if (attempts > 1)
            {
                RedisLog.RetriedDecision(_logger, error);
            }

            return (RoutingResult.Fail(error, (string)r[1]!), attempts);
        }

        if (r.Length == 2)
        {
            return (RoutingResult.Empty, attempts);
        }

        var events = new RoutingEvent[r.Length - 2];
        for (var i = 2; i < r.Length; i++)
        {
            events[i - 2] = ParseEvent((string)r[i]!);
        }

        return (new RoutingResult(RoutingError.None, null, events), attempts);
    }

    internal static RoutingEvent ParseEvent(string s)
    {
        var f = s.Split('|');
        static string? N(string v) => v.Length == 0 ? null : v;
        return new RoutingEvent(
            (RoutingEventKind)int.Parse(f[0], CultureInfo.InvariantCulture),
            long.Parse(f[1], CultureInfo.InvariantCulture),
            N(f[2]), N(f[3]), N(f[4]),
            (AgentState)int.Parse(f[5], CultureInfo.InvariantCulture),
            long.Parse(f[6], CultureInfo.InvariantCulture),
            long.Parse(f[7], CultureInfo.InvariantCulture),
            N(f[8]));
    }

    private RedisValue[] Args(string op, RedisValue[] args, string opId = "")
    {
        var all = new RedisValue[5 + args.Length];
        all[0] = op;
        all[1] = _time.GetUtcNow().ToUnixTimeMilliseconds();
        all[2] = _random.NextDouble().ToString("R", CultureInfo.InvariantCulture);
        all[3] = _selfNode;
        all[4] = opId;
        args.CopyTo(all, 5);
        return all;
    }

    /// <summary>
    /// Receives the events of decisions other nodes make about calls this node owns (e.g. another node's agent
    /// freed and took this node's caller: this node must ring the agent). Also tells the store which node it
    /// serves, so events about its own calls are not published back to it.
    /// </summary>
    public async Task<IAsyncDisposable> SubscribeRemoteAsync(string nodeId, Action<RoutingEvent> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        var channel = RedisChannel.Literal(_options.KeyPrefix + "ev:" + nodeId);
        var subscriber = _redis.GetSubscriber();
        Action<RedisChannel, RedisValue> handler = (_, message) =>
        {
            if (message.HasValue)
            {
                onEvent(ParseEvent(message!));
            }
        };
        await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
        _selfNode = nodeId;
        return new Unsubscribe(() => subscriber.UnsubscribeAsync(channel, handler));
    }

    private sealed class Unsubscribe(Func<Task> action) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await action().ConfigureAwait(false);
    }

    private static long Ms(TimeSpan t) => (long)t.TotalMilliseconds;

    private static string Clean(string? s) => s is null ? "" : s.Replace('|', '/');

    private static string Requirements(IEnumerable<SkillRequirement> reqs) =>
        string.Join(',', reqs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Skill}={r.MinLevel}")));
}
