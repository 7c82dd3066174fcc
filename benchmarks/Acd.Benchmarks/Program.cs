using BenchmarkDotNet.Running;

namespace Acd.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release --project benchmarks/Acd.Benchmarks -- --filter '*Sip*'</c> runs
/// BenchmarkDotNet; <c>-- &lt;tool&gt; [args]</c> runs one of the load tools/simulators (see <c>-- tools</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var tools = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchTool).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchTool)Activator.CreateInstance(t)!)
            .ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

        if (args.Length > 0 && args[0] == "tools")
        {
            foreach (var tool in tools.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                Console.WriteLine($"{tool.Name,-20} {tool.Description}");
            }

            return 0;
        }

        if (args.Length > 0 && tools.TryGetValue(args[0], out var selected))
        {
            return selected.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

/// <summary>A load generator or simulator runnable as <c>-- name args</c>. Discovered by reflection.</summary>
public interface IBenchTool
{
    string Name { get; }

    string Description { get; }

    int Run(string[] args);
}
