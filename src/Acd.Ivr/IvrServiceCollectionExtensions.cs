using System.Diagnostics.Metrics;
using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Acd.Ivr;

/// <summary>Registration of the IVR engine and script catalog (TryAdd: every part can be replaced).</summary>
public static class IvrServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IvrEngine"/>, <see cref="IvrMetrics"/> and an <see cref="IvrScriptCatalog"/> loaded once at
    /// first use (call <see cref="IvrScriptCatalog.StartWatching"/> from the host to follow edits).
    /// </summary>
    public static IServiceCollection AddAcdIvr(this IServiceCollection services, IvrCatalogOptions? catalog = null, IvrEngineOptions? engine = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var catalogOptions = catalog ?? new IvrCatalogOptions();
        var engineOptions = engine ?? new IvrEngineOptions();
        var errors = catalogOptions.Validate().Concat(engineOptions.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid IVR options: " + string.Join("; ", errors));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new IvrMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new IvrEngine(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IvrMetrics>(), sp.GetService<ILogger<IvrEngine>>(), engineOptions));
        services.TryAddSingleton(sp =>
        {
            var scripts = new IvrScriptCatalog(catalogOptions, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IvrMetrics>(), sp.GetService<ILogger<IvrScriptCatalog>>());
            scripts.Reload();
            return scripts;
        });
        return services;
    }
}
