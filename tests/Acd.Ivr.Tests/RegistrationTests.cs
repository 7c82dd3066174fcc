using Acd.Ivr.Catalog;
using Acd.Ivr.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Ivr.Tests;

public class RegistrationTests
{
    [Fact]
    public void AddAcdIvr_Resolves_EngineAndLoadedCatalog()
    {
        var services = new ServiceCollection().AddAcdIvr(new IvrCatalogOptions { Directory = TestPaths.SampleScripts });
        var provider = new DescriptorProvider(services);
        Assert.NotNull(provider.GetService(typeof(IvrEngine)));
        var catalog = (IvrScriptCatalog)provider.GetService(typeof(IvrScriptCatalog))!;
        Assert.True(catalog.Current.TryGetByNumber("100", out _));
        catalog.Dispose();
        ((IvrMetrics)provider.GetService(typeof(IvrMetrics))!).Dispose();
    }

    [Fact]
    public void AddAcdIvr_KeepsUserRegistrations()
    {
        var fake = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(fake).AddAcdIvr();
        Assert.Same(fake, Assert.Single(services, d => d.ServiceType == typeof(TimeProvider)).ImplementationInstance);
    }

    [Fact]
    public void AddAcdIvr_InvalidOptions_Throws() =>
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddAcdIvr(engine: new IvrEngineOptions { MaxPendingEvents = 1 }));

    /// <summary>Just enough of a container for singletons (the DI container package is not referenced here).</summary>
    private sealed class DescriptorProvider(IServiceCollection services) : IServiceProvider
    {
        private readonly Dictionary<Type, object?> _instances = [];

        public object? GetService(Type serviceType)
        {
            if (_instances.TryGetValue(serviceType, out var existing))
            {
                return existing;
            }

            var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
            var instance = descriptor?.ImplementationInstance ?? descriptor?.ImplementationFactory?.Invoke(this);
            _instances[serviceType] = instance;
            return instance;
        }
    }
}
