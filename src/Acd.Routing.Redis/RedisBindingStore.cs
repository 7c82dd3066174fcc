using System.Globalization;
using StackExchange.Redis;

namespace Acd.Routing.Redis;

/// <summary>
/// <see cref="IBindingStore"/> on Redis so that any node reaches any agent's phone. Bindings live in
/// <c>{prefix}reg:{aor}</c> hashes (AOR lower-cased) with a <c>{prefix}regexp</c> sorted set by expiry; expiry is
/// judged on the injected <see cref="TimeProvider"/>, so nodes should keep their clocks in step (NTP).
/// </summary>
public sealed class RedisBindingStore : IBindingStore
{
    private static readonly string Script = RedisQueueStore.LoadScript("Acd.Routing.Redis.bindings.lua");
    private readonly RedisScriptRunner _runner;
    private readonly TimeProvider _time;

    public RedisBindingStore(IConnectionMultiplexer redis, RedisRoutingOptions options, TimeProvider time, RoutingMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _runner = new RedisScriptRunner(redis, Script, options, time, metrics, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    public async Task<BindingUpdate> UpdateAsync(RegistrationBinding binding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var exp = binding.Expires.ToUnixTimeMilliseconds();
        var value = string.Join('\n', exp.ToString(CultureInfo.InvariantCulture), binding.CallId, binding.CSeq.ToString(CultureInfo.InvariantCulture),
            binding.Q.ToString("R", CultureInfo.InvariantCulture), binding.Node, binding.Transport, binding.Source, binding.AddressOfRecord, binding.Contact);
        var r = await Run(cancellationToken, "update", Key(binding.AddressOfRecord), binding.ContactUri, exp, binding.CallId, binding.CSeq, value).ConfigureAwait(false);
        return (BindingUpdate)(int)r;
    }

    public async Task<bool> RemoveAsync(string addressOfRecord, string contact, CancellationToken cancellationToken = default) =>
        (int)await Run(cancellationToken, "remove", Key(addressOfRecord), RegistrationBinding.UriOf(contact)).ConfigureAwait(false) > 0;

    public async Task<int> RemoveAllAsync(string addressOfRecord, CancellationToken cancellationToken = default) =>
        (int)await Run(cancellationToken, "removeall", Key(addressOfRecord)).ConfigureAwait(false);

    public async Task<IReadOnlyList<RegistrationBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default)
    {
        var r = (RedisResult[])(await Run(cancellationToken, "get", Key(addressOfRecord)).ConfigureAwait(false))!;
        var list = new List<RegistrationBinding>(r.Length / 2);
        for (var i = 0; i < r.Length; i += 2)
        {
            var f = ((string)r[i + 1]!).Split('\n');
            list.Add(new RegistrationBinding
            {
                Contact = f[8],
                Expires = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(f[0], CultureInfo.InvariantCulture)),
                CallId = f[1],
                CSeq = long.Parse(f[2], CultureInfo.InvariantCulture),
                Q = double.Parse(f[3], CultureInfo.InvariantCulture),
                Node = f[4],
                Transport = f[5],
                Source = f[6],
                AddressOfRecord = f[7],
            });
        }

        return InMemoryBindingStore.Order(list);
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default) =>
        (int)await Run(cancellationToken, "purge").ConfigureAwait(false);

    private static string Key(string aor) => aor.ToLowerInvariant();

    private async Task<RedisResult> Run(CancellationToken cancellationToken, string op, params RedisValue[] args)
    {
        var (r, _) = await _runner.RunAsync(() =>
        {
            var all = new RedisValue[2 + args.Length];
            all[0] = op;
            all[1] = _time.GetUtcNow().ToUnixTimeMilliseconds();
            args.CopyTo(all, 2);
            return all;
        }, cancellationToken).ConfigureAwait(false);
        return r;
    }
}
