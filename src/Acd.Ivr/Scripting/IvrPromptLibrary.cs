namespace Acd.Ivr.Scripting;

/// <summary>
/// The WAV prompts a script may name: <c>prompts/&lt;name&gt;.wav</c>, with per-language variants in
/// <c>prompts/&lt;language&gt;/&lt;name&gt;.wav</c> preferred when a call's language is set. Indexed once per load.
/// </summary>
public sealed class IvrPromptLibrary
{
    private readonly Dictionary<string, string> _files;

    private IvrPromptLibrary(string directory, Dictionary<string, string> files)
    {
        Directory = directory;
        _files = files;
    }

    /// <summary>The prompt root directory (may not exist: then every prompt is missing).</summary>
    public string Directory { get; }

    /// <summary>Number of prompt files indexed.</summary>
    public int Count => _files.Count;

    /// <summary>Indexes every *.wav below <paramref name="directory"/> by its relative name without extension.</summary>
    public static IvrPromptLibrary FromDirectory(string directory)
    {
        var full = Path.GetFullPath(directory);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (System.IO.Directory.Exists(full))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(full, "*.wav", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(full, file).Replace('\\', '/');
                files[relative[..^4]] = file;
            }
        }

        return new IvrPromptLibrary(full, files);
    }

    /// <summary>True when the default (language-neutral) prompt exists.</summary>
    public bool Contains(string name) => _files.ContainsKey(name);

    /// <summary>The file for <paramref name="name"/>, preferring the <paramref name="language"/> variant.</summary>
    public string Resolve(string name, string? language)
    {
        if (!string.IsNullOrEmpty(language) && _files.TryGetValue(language + "/" + name, out var localized))
        {
            return localized;
        }

        return _files.TryGetValue(name, out var path) ? path : Path.Combine(Directory, name + ".wav");
    }
}
