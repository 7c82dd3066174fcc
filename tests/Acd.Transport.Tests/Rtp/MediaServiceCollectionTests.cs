using Acd.Transport.Clock;
using Acd.Transport.Rtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Acd.Transport.Tests.Rtp;

public class MediaServiceCollectionTests
{
    [Fact]
    public async Task AddAcdMedia_Configured_CreatesSessionsOnThePool()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Options.Create(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = 43600, MaxPort = 43699 }));
        services.AddAcdMedia();
        await using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredService<RtpSessionFactory>();
        await using var session = factory.Create("leg")!;
        Assert.InRange(session.LocalPort, 43600, 43698);
        Assert.NotNull(session.PacingHandle);
        Assert.NotNull(provider.GetRequiredService<PacingClock>());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (session.PacingHandle!.Ticks == 0)
        {
            await Task.Delay(10, deadline.Token); // the clock started on resolve and ticks the session
        }
    }

    [Fact]
    public async Task AddAcdMedia_InvalidOptions_ValidationReportsEveryError()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Options.Create(new RtpPortPoolOptions { BindAddress = "bad", MinPort = 3, MaxPort = 2 }));
        services.AddAcdMedia();
        await using var provider = services.BuildServiceProvider();
        var validator = provider.GetServices<IValidateOptions<RtpPortPoolOptions>>().Single();
        var result = validator.Validate(Options.DefaultName, provider.GetRequiredService<IOptions<RtpPortPoolOptions>>().Value);
        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
    }
}
