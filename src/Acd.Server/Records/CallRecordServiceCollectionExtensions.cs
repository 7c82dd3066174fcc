using System.Diagnostics.Metrics;
using Acd.Calls.Records;
using Acd.Server.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Acd.Server.Records;

/// <summary>Registration of the call record sinks (TryAdd: each part can be replaced).</summary>
public static class CallRecordServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICallRecordSink"/> as a <see cref="CompositeCallRecordSink"/> over the JSON-lines file sink
    /// in <see cref="ServerOptions.RecordsPath"/> and, when <see cref="ServerOptions.UsesRedis"/>, the Redis stream sink
    /// (on the node's <see cref="IConnectionMultiplexer"/>), plus <see cref="CallRecordMetrics"/>. The sinks are
    /// singletons the container disposes asynchronously at host shutdown, which drains their queues; the Redis sink is
    /// created after the multiplexer and so disposed before it.
    /// </summary>
    /// <exception cref="ArgumentException">The derived sink options are invalid.</exception>
    public static IServiceCollection AddCallRecords(this IServiceCollection services, ServerOptions options,
        CallRecordFileOptions? file = null, RedisCallRecordOptions? redis = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var fileOptions = file ?? new CallRecordFileOptions { Directory = options.RecordsPath };
        var redisOptions = redis ?? new RedisCallRecordOptions();
        var errors = fileOptions.Validate().Concat(options.UsesRedis ? redisOptions.Validate() : []).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid call record options: " + string.Join(" ", errors), nameof(options));
        }

        services.TryAddSingleton(sp => new CallRecordMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new JsonLinesCallRecordSink(fileOptions, sp.GetRequiredService<CallRecordMetrics>(),
            sp.GetService<ILogger<JsonLinesCallRecordSink>>()));
        if (options.UsesRedis)
        {
            services.TryAddSingleton(sp => new RedisStreamCallRecordSink(sp.GetRequiredService<IConnectionMultiplexer>(), redisOptions,
                sp.GetRequiredService<CallRecordMetrics>(), sp.GetService<ILogger<RedisStreamCallRecordSink>>()));
        }

        services.TryAddSingleton<ICallRecordSink>(sp => new CompositeCallRecordSink(
            options.UsesRedis
                ? [sp.GetRequiredService<JsonLinesCallRecordSink>(), sp.GetRequiredService<RedisStreamCallRecordSink>()]
                : [sp.GetRequiredService<JsonLinesCallRecordSink>()],
            sp.GetService<ILogger<CompositeCallRecordSink>>()));
        return services;
    }
}
