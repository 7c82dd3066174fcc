using System.Globalization;
using Acd.Server.Configuration;

namespace Acd.Server.Api;

/// <summary>Loading and registration of the HTTP API.</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>The default <c>Api:Config</c>, relative to the home folder.</summary>
    public static readonly string DefaultFile = Path.Combine("deploy", "sample", "api.yaml");

    /// <summary>
    /// Reads <c>Api:Config</c> (default <c>deploy/sample/api.yaml</c>; a missing default file means no tokens and no webhooks,
    /// a missing named one is an error) and the event-stream keys <c>Api:EventsKeepAlive</c> (seconds) and
    /// <c>Api:EventsBuffer</c> (events per client). Throws <see cref="ConfigurationErrorsException"/> listing every error.
    /// </summary>
    public static ApiConfig LoadApiConfig(IConfiguration configuration, string home)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var events = new ApiEventOptions();
        var errors = new List<ConfigDiagnostic>();
        if (configuration["Api:EventsKeepAlive"] is { Length: > 0 } k)
        {
            if (double.TryParse(k, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s is >= 0.1 and <= 3600)
            {
                events = events with { KeepAlive = TimeSpan.FromSeconds(s) };
            }
            else
            {
                errors.Add(new ConfigDiagnostic("configuration", 0, 0, "Api:EventsKeepAlive", $"'{k}' is not a number of seconds from 0.1 to 3600"));
            }
        }

        if (configuration["Api:EventsBuffer"] is { Length: > 0 } b)
        {
            if (int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100_000)
            {
                events = events with { ClientBuffer = n };
            }
            else
            {
                errors.Add(new ConfigDiagnostic("configuration", 0, 0, "Api:EventsBuffer", $"'{b}' is not a number of events from 1 to 100000"));
            }
        }

        var named = configuration["Api:Config"];
        var path = Path.GetFullPath(Path.Combine(home, string.IsNullOrEmpty(named) ? DefaultFile : named));
        ApiConfig api;
        try
        {
            api = string.IsNullOrEmpty(named) && !File.Exists(path) ? ApiConfig.Empty : ApiConfigLoader.Load(path);
        }
        catch (ConfigurationErrorsException e)
        {
            errors.AddRange(e.Errors);
            api = ApiConfig.Empty;
        }

        return errors.Count > 0 ? throw new ConfigurationErrorsException(errors) : api with { Events = events };
    }

    /// <summary>Registers the authenticator, metrics and the event hub of <paramref name="api"/>.</summary>
    public static IServiceCollection AddAcdApi(this IServiceCollection services, ApiConfig api)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(api);
        services.AddSingleton(api);
        services.AddSingleton(new ApiAuthenticator(api));
        services.AddSingleton(api.Events);
        services.AddSingleton(sp => new ApiMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<ApiEventHub>().AddHostedService(sp => sp.GetRequiredService<ApiEventHub>());
        return services;
    }
}
