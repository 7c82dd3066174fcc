namespace Acd.Routing.Redis;

/// <summary>Options of the Redis stores.</summary>
public sealed record RedisRoutingOptions
{
    /// <summary>
    /// Prefix of every key. It must contain a hash tag (e.g. "{acd}:") so that all keys of one tenant/site hash to
    /// one slot and a multi-key Lua script is legal on Redis Cluster; one tenant therefore lives on one shard.
    /// </summary>
    public string KeyPrefix { get; init; } = "{acd}:";

    /// <summary>How long a decision keeps retrying through connection failures and timeouts before it fails.</summary>
    public TimeSpan MaxRetryDuration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        var open = KeyPrefix?.IndexOf('{', StringComparison.Ordinal) ?? -1;
        var close = open < 0 ? -1 : KeyPrefix!.IndexOf('}', open + 1);
        if (open < 0 || close <= open + 1)
        {
            errors.Add(new("redis.keyPrefix", KeyPrefix ?? "", "must contain a non-empty hash tag such as {acd}"));
        }

        if (MaxRetryDuration < TimeSpan.Zero)
        {
            errors.Add(new("redis.maxRetryDuration", "maxRetryDuration", "must not be negative"));
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            errors.Add(new("redis.backoff", "initialBackoff", "initial backoff must be positive and not above the maximum"));
        }

        return errors;
    }
}
