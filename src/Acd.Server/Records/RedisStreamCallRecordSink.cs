using Acd.Calls.Records;
using StackExchange.Redis;

namespace Acd.Server.Records;

/// <summary>Where and how <see cref="RedisStreamCallRecordSink"/> appends.</summary>
public sealed record RedisCallRecordOptions
{
    /// <summary>The stream every node appends to. Default <c>{acd}:records</c> (the routing keys' hash tag).</summary>
    public string StreamKey { get; init; } = "{acd}:records";

    /// <summary>The stream is trimmed to about this many entries (<c>XADD MAXLEN ~</c>). At least 1, default 1,000,000.</summary>
    public long MaxLength { get; init; } = 1_000_000;

    /// <summary>Records that may wait for Redis before new ones are dropped (and records kept for retry). 1..1,000,000, default 10,000.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>Every error, each naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(StreamKey))
        {
            errors.Add($"{nameof(RedisCallRecordOptions)}.{nameof(StreamKey)}: must name a key.");
        }

        if (MaxLength < 1)
        {
            errors.Add($"{nameof(RedisCallRecordOptions)}.{nameof(MaxLength)}: {MaxLength} must be at least 1.");
        }

        if (Capacity is < 1 or > CallRecordFileOptions.MaxCapacity)
        {
            errors.Add($"{nameof(RedisCallRecordOptions)}.{nameof(Capacity)}: {Capacity} is outside 1..{CallRecordFileOptions.MaxCapacity}.");
        }

        return errors;
    }
}

/// <summary>
/// Appends each call record to a Redis stream (<c>XADD {acd}:records MAXLEN ~ cap * callId .. outcome .. queue ..
/// agent .. json ..</c>), <c>json</c> being exactly the line the file sink writes (<see cref="CallRecordJson"/>),
/// <c>outcome</c> its camelCase name and <c>queue</c>/<c>agent</c> empty when the call had none. A batch is sent
/// pipelined; records whose XADD failed (Redis down, timeout) are logged, counted and retried with the next batch.
/// Not blocking and not throwing: see <see cref="QueuedCallRecordSink"/>.
/// </summary>
public sealed class RedisStreamCallRecordSink : QueuedCallRecordSink
{
    /// <summary>The <c>sink</c> tag of this sink's metrics.</summary>
    public const string Name = "redis";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _key;
    private readonly long _maxLength;

    /// <summary>Starts the sink on the node's shared multiplexer.</summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> is invalid (every error listed).</exception>
    public RedisStreamCallRecordSink(IConnectionMultiplexer redis, RedisCallRecordOptions options, CallRecordMetrics? metrics = null,
        ILogger<RedisStreamCallRecordSink>? logger = null)
        : base(Name, Validated(options).Capacity, metrics, logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _key = options.StreamKey;
        _maxLength = options.MaxLength;
    }

    /// <summary>The fields of a record's stream entry.</summary>
    public static NameValueEntry[] Fields(in SerializedCallRecord record) =>
    [
        new("callId", record.Record.CallId),
        new("outcome", CallRecordJson.OutcomeName(record.Record.Outcome)),
        new("queue", record.Record.Queue ?? string.Empty),
        new("agent", record.Record.Agent ?? string.Empty),
        new("json", record.Json),
    ];

    /// <inheritdoc />
    protected override async ValueTask<Exception?> WriteBatchAsync(IReadOnlyList<SerializedCallRecord> batch, IList<SerializedCallRecord> unwritten)
    {
        var db = _redis.GetDatabase();
        var adds = new Task<RedisValue>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            adds[i] = db.StreamAddAsync(_key, Fields(batch[i]), messageId: null, maxLength: _maxLength, useApproximateMaxLength: true);
        }

        Exception? first = null;
        for (var i = 0; i < adds.Length; i++)
        {
            try
            {
                await adds[i].ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                first ??= ex;
                unwritten.Add(batch[i]);
            }
        }

        return first;
    }

    private static RedisCallRecordOptions Validated(RedisCallRecordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? options : throw new ArgumentException(string.Join(" ", errors), nameof(options));
    }
}
