namespace Acd.Benchmarks.Shared;

/// <summary>The <c>--name value</c> options of the load tools.</summary>
internal static class ToolArgs
{
    public static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
