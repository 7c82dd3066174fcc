using System.Reflection;
using Xunit;

namespace Acd.Server.Tests;

/// <summary>
/// Keeps the dependency rules of ARCHITECTURE.md true of the compiled assemblies: Sip and Media are leaves,
/// Routing knows nothing of SIP, only the server exports Prometheus metrics, only Transport touches sockets.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> AllowedAcdReferences = new(StringComparer.Ordinal)
    {
        ["Acd.Sip"] = [],
        ["Acd.Media"] = [],
        ["Acd.Transport"] = ["Acd.Sip", "Acd.Media"],
        // The IVR declares the interfaces it needs from a call; the call layer implements them (src/Acd.Ivr/README.md).
        ["Acd.Calls"] = ["Acd.Sip", "Acd.Media", "Acd.Ivr"],
        ["Acd.Ivr"] = [],
        ["Acd.Routing"] = [],
        ["Acd.Routing.Redis"] = ["Acd.Routing"],
        ["Acd.Dialer"] = ["Acd.Routing", "Acd.Calls", "Acd.Sip", "Acd.Media", "Acd.Ivr"],
    };

    /// <summary>Third-party or framework assemblies (by name prefix) and the only Acd assemblies that may use them.</summary>
    private static readonly (string Prefix, string[] Allowed)[] RestrictedReferences =
    [
        ("Prometheus", ["acd"]),
        ("StackExchange.Redis", ["Acd.Routing.Redis", "acd"]),
        ("Microsoft.AspNetCore", ["acd"]),
        ("System.Net.Sockets", ["Acd.Transport", "Acd.Routing.Redis", "acd"]),
    ];

    public static TheoryData<string> Libraries() => new(AllowedAcdReferences.Keys);

    [Theory]
    [MemberData(nameof(Libraries))]
    public void References_Library_OnlyAllowedAcdAssemblies(string library)
    {
        var references = ReferencedNames(library).Where(n => n.StartsWith("Acd.", StringComparison.Ordinal) || n == "acd");

        var forbidden = references.Except(AllowedAcdReferences[library], StringComparer.Ordinal).ToList();

        Assert.True(forbidden.Count == 0, $"{library} must not reference {string.Join(", ", forbidden)} (ARCHITECTURE.md dependency rules)");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void References_Library_NoRestrictedFrameworks(string library)
    {
        var references = ReferencedNames(library).ToList();

        var violations = RestrictedReferences
            .Where(r => !r.Allowed.Contains(library, StringComparer.Ordinal))
            .SelectMany(r => references.Where(n => n.StartsWith(r.Prefix, StringComparison.Ordinal)))
            .ToList();

        Assert.True(violations.Count == 0, $"{library} must not reference {string.Join(", ", violations)}");
    }

    [Fact]
    public void References_Server_IsTheOnlyPrometheusUser()
    {
        Assert.Contains(ReferencedNames("acd"), n => n.StartsWith("Prometheus", StringComparison.Ordinal));
    }

    [Fact]
    public void Libraries_EveryAcdAssemblyInOutput_HasARule()
    {
        var inOutput = Directory.EnumerateFiles(AppContext.BaseDirectory, "Acd.*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not null && !n.EndsWith(".Tests", StringComparison.Ordinal) && n != "Acd.Testing")
            .ToList();

        var unruled = inOutput.Where(n => !AllowedAcdReferences.ContainsKey(n!)).ToList();

        Assert.NotEmpty(inOutput);
        Assert.True(unruled.Count == 0, $"add a dependency rule for {string.Join(", ", unruled)}");
    }

    private static IEnumerable<string> ReferencedNames(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        Assert.True(File.Exists(path), $"{path} not found next to the tests");
        return Assembly.LoadFrom(path).GetReferencedAssemblies().Select(a => a.Name ?? string.Empty);
    }
}
