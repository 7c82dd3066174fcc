namespace Acd.Ivr.Catalog;

/// <summary>
/// The sample customer-service line (ivr-scripts/*.yaml and its prompts), embedded in this library so that a fresh
/// installation answers calls before anyone writes a script.
/// </summary>
public static class IvrSamples
{
    private const string Prefix = "ivr-samples/";

    /// <summary>Relative paths of the embedded files ("customer-service.yaml", "prompts/welcome.wav", ...).</summary>
    public static IReadOnlyList<string> Files { get; } = [.. typeof(IvrSamples).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..].Replace('\\', '/'))
        .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Writes the samples under <paramref name="directory"/>; existing files are kept (an author's edits win).
    /// Returns the number of files written.
    /// </summary>
    public static int ExtractTo(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var assembly = typeof(IvrSamples).Assembly;
        var written = 0;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var relative = name[Prefix.Length..].Replace('\\', '/');
            var target = Path.GetFullPath(Path.Combine(directory, relative));
            if (File.Exists(target))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = assembly.GetManifestResourceStream(name)!;
            using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            source.CopyTo(file);
            written++;
        }

        return written;
    }
}
