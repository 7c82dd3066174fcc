using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Acd.Routing.Redis;

/// <summary>Registration of the Redis stores; call before <c>AddAcdRouting</c>. Needs an <see cref="IConnectionMultiplexer"/> (one, shared).</summary>
public static class RedisRoutingServiceCollectionExtensions
{
    public static IServiceCollection AddAcdRoutingRedis(this IServiceCollection services, RedisRoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RoutingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IQueueStore>(sp => new RedisQueueStore(sp.GetRequiredService<IConnectionMultiplexer>(), options,
            sp.GetRequiredService<TimeProvider>(), null, sp.GetRequiredService<RoutingMetrics>(), sp.GetService<ILogger<RedisQueueStore>>()));
        services.TryAddSingleton<IBindingStore>(sp => new RedisBindingStore(sp.GetRequiredService<IConnectionMultiplexer>(), options,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RoutingMetrics>()));
        return services;
    }
}
