using System.Diagnostics.Metrics;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Players;
using Acd.Transport.Clock;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.Transport.Rtp;

/// <summary>Registration of the media engine: metrics, the pacing clock, the RTP port pool and session factory, prompts.</summary>
public static class MediaServiceCollectionExtensions
{
    /// <summary>
    /// Adds the media services with TryAdd (override any by registering first). Options are bound by the host
    /// (<c>services.Configure&lt;RtpPortPoolOptions&gt;(config.GetSection("Rtp"))</c>) and validated at start-up,
    /// every error reported with its property. The pacing clock starts when first resolved.
    /// </summary>
    public static IServiceCollection AddAcdMedia(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RtpPortPoolOptions>().ValidateOnStart();
        services.AddOptions<RtpSessionOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RtpPortPoolOptions>, RtpPortPoolOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RtpSessionOptions>, RtpSessionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Random.Shared);
        services.TryAddSingleton(sp => new MediaMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp =>
        {
            var clock = new PacingClock(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<MediaMetrics>(), sp.GetService<ILogger<PacingClock>>());
            clock.Start();
            return clock;
        });
        services.TryAddSingleton(sp => new RtpPortPool(sp.GetRequiredService<IOptions<RtpPortPoolOptions>>().Value));
        services.TryAddSingleton(sp => new RtpSessionFactory(
            sp.GetRequiredService<RtpPortPool>(),
            sp.GetRequiredService<PacingClock>(),
            sp.GetRequiredService<IOptions<RtpSessionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<MediaMetrics>(),
            sp.GetRequiredService<Random>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton<PromptCache>();
        services.TryAddSingleton(sp => new MusicOnHold(sp.GetRequiredService<PromptCache>()));
        return services;
    }

    private sealed class RtpPortPoolOptionsValidator : IValidateOptions<RtpPortPoolOptions>
    {
        public ValidateOptionsResult Validate(string? name, RtpPortPoolOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    private sealed class RtpSessionOptionsValidator : IValidateOptions<RtpSessionOptions>
    {
        public ValidateOptionsResult Validate(string? name, RtpSessionOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
