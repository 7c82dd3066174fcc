using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Acd.Routing;

/// <summary>Registration of the routing engine (TryAdd: register your own store, strategies or TimeProvider first to override).</summary>
public static class RoutingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AcdRouter"/> with the in-memory stores (single node), <see cref="RoutingMetrics"/> and the
    /// system <see cref="TimeProvider"/>. Extra <see cref="IRoutingStrategy"/> registrations are picked up by name.
    /// The host should run <see cref="AcdRouter.RunAsync"/> from a hosted service.
    /// </summary>
    public static IServiceCollection AddAcdRouting(this IServiceCollection services, RoutingOptions options)
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
        services.TryAddSingleton(sp => new RoutingMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IQueueStore>(sp => new InMemoryQueueStore(sp.GetRequiredService<TimeProvider>(), null, sp.GetServices<IRoutingStrategy>()));
        services.TryAddSingleton<IBindingStore>(sp => new InMemoryBindingStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new AcdRouter(sp.GetRequiredService<IQueueStore>(), sp.GetRequiredService<RoutingOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<AcdRouter>>(), sp.GetRequiredService<RoutingMetrics>()));
        return services;
    }
}
