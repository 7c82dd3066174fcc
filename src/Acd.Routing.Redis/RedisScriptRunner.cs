using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Acd.Routing.Redis;

/// <summary>
/// Runs one Lua script call with bounded exponential backoff (on the injected <see cref="TimeProvider"/>) through
/// connection failures and timeouts, counting each. The script is atomic, so an attempt either applied fully or not
/// at all; arguments are rebuilt per attempt so a retried decision uses the current time.
/// </summary>
internal sealed class RedisScriptRunner
{
    private readonly IDatabase _db;
    private readonly string _script;
    private readonly RedisKey[] _keys;
    private readonly RedisRoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly RoutingMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly byte[] _sha1;

    public RedisScriptRunner(IConnectionMultiplexer redis, string script, RedisRoutingOptions options, TimeProvider time, RoutingMetrics? metrics, ILogger logger)
    {
        _db = redis.GetDatabase();
        _script = script;
        _keys = [options.KeyPrefix];
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
#pragma warning disable CA5350 // SHA-1 is how Redis names a cached script (EVALSHA), not a security measure.
        _sha1 = System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(script));
#pragma warning restore CA5350
    }

    /// <summary>Outages seen (each failed attempt).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    private long _failures;

    public async Task<(RedisResult Result, int Attempts)> RunAsync(Func<RedisValue[]> args, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var backoff = _options.InitialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                RedisResult result;
                var values = args();
                try
                {
                    // EVALSHA: only the 20-byte digest travels; the body is sent once per server (and after a restart).
                    result = await _db.ScriptEvaluateAsync(_sha1, _keys, values).ConfigureAwait(false);
                }
                catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
                {
                    result = await _db.ScriptEvaluateAsync(_script, _keys, values).ConfigureAwait(false);
                }

                _metrics?.RecordRedisCommand(Stopwatch.GetElapsedTime(t0));
                return (result, attempt);
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                Interlocked.Increment(ref _failures);
                _metrics?.RedisError();
                if (_time.GetElapsedTime(started) >= _options.MaxRetryDuration)
                {
                    RedisLog.GaveUp(_logger, attempt, ex);
                    throw;
                }

                RedisLog.Retrying(_logger, attempt, backoff.TotalMilliseconds, ex.Message);
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }
}

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Redis routing call failed (attempt {Attempt}), retrying in {DelayMs} ms: {Message}")]
    public static partial void Retrying(ILogger logger, int attempt, double delayMs, string message);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Redis routing call failed after {Attempt} attempts; giving up")]
    public static partial void GaveUp(ILogger logger, int attempt, Exception exception);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Redis routing decision retried after an outage returned {Error}; its first attempt may have applied")]
    public static partial void RetriedDecision(ILogger logger, RoutingError error);
}
