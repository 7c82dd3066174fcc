using Acd.Media.Audio;

namespace Acd.Media.Players;

/// <summary>A music-on-hold class: a name chosen in configuration and the files it loops through.</summary>
public sealed record MusicClass(string Name, IReadOnlyList<string> Files);

/// <summary>
/// Music-on-hold classes over the <see cref="PromptCache"/>: every file is loaded once at registration (bad files
/// are reported then, not when a caller is put on hold), and each hold gets its own looping player over the
/// shared frames.
/// </summary>
public sealed class MusicOnHold
{
    private readonly PromptCache _cache;
    private readonly Dictionary<string, Prompt[]> _classes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    /// <summary>Creates the registry over a prompt cache.</summary>
    public MusicOnHold(PromptCache cache) => _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    /// <summary>Loads a class; returns every file error (the class is not registered when any file fails).</summary>
    public IReadOnlyList<string> Register(MusicClass musicClass)
    {
        ArgumentNullException.ThrowIfNull(musicClass);
        var errors = new List<string>();
        if (musicClass.Files.Count == 0)
        {
            errors.Add($"Music class '{musicClass.Name}' has no files.");
        }

        var prompts = new List<Prompt>();
        foreach (var file in musicClass.Files)
        {
            var result = _cache.Get(file);
            if (result.Prompt is { } prompt)
            {
                prompts.Add(prompt);
            }
            else
            {
                errors.Add($"Music class '{musicClass.Name}': {result.Error}");
            }
        }

        if (errors.Count == 0)
        {
            lock (_gate)
            {
                _classes[musicClass.Name] = [.. prompts];
            }
        }

        return errors;
    }

    /// <summary>A new looping player of the class, or null when the class is unknown.</summary>
    public PromptPlayer? Player(string className, bool bargeIn = false)
    {
        lock (_gate)
        {
            return _classes.TryGetValue(className, out var prompts) ? new PromptPlayer(prompts, loop: true, bargeIn: bargeIn) : null;
        }
    }
}
