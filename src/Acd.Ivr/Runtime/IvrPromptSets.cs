using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Acd.Ivr.Scripting;

namespace Acd.Ivr.Runtime;

/// <summary>
/// A script's prompt lists resolved to files, once per list and language and shared by every call of the script:
/// the prompt library is indexed once per load, so a node's prompts resolve to the same files on every visit and
/// a prompt start allocates no file names or <see cref="IvrPrompt"/>s. Keys are the node's own arrays (by
/// reference), so the cache holds at most one entry per prompt list of the script and language it plays in.
/// </summary>
internal sealed class IvrPromptSets(IvrPromptLibrary library)
{
    private readonly ConcurrentDictionary<Key, IvrPrompt[]> _sets = new(KeyComparer.Instance);

    /// <summary>The files of <paramref name="first"/> followed by <paramref name="second"/> (retry prompt, then the node's prompt) in <paramref name="language"/>.</summary>
    public IvrPrompt[] Get(string[] first, string[]? second, string language)
    {
        var key = new Key(first, second ?? [], language);
        return _sets.TryGetValue(key, out var prompts) ? prompts : _sets.GetOrAdd(key, static (k, lib) => Resolve(lib, k), library);
    }

    /// <summary>Resolves a list built at run time (say nodes); not cached.</summary>
    public IvrPrompt[] Resolve(IReadOnlyList<string> names, string language)
    {
        var prompts = new IvrPrompt[names.Count];
        for (var i = 0; i < prompts.Length; i++)
        {
            prompts[i] = new IvrPrompt(names[i], library.Resolve(names[i], language));
        }

        return prompts;
    }

    private static IvrPrompt[] Resolve(IvrPromptLibrary library, Key key)
    {
        var prompts = new IvrPrompt[key.First.Length + key.Second.Length];
        for (var i = 0; i < prompts.Length; i++)
        {
            var name = i < key.First.Length ? key.First[i] : key.Second[i - key.First.Length];
            prompts[i] = new IvrPrompt(name, library.Resolve(name, key.Language));
        }

        return prompts;
    }

    private readonly record struct Key(string[] First, string[] Second, string Language);

    private sealed class KeyComparer : IEqualityComparer<Key>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(Key x, Key y) =>
            ReferenceEquals(x.First, y.First) && (ReferenceEquals(x.Second, y.Second) || (x.Second.Length == 0 && y.Second.Length == 0))
            && string.Equals(x.Language, y.Language, StringComparison.Ordinal);

        public int GetHashCode(Key key) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(key.First), key.Second.Length == 0 ? 0 : RuntimeHelpers.GetHashCode(key.Second), StringComparer.Ordinal.GetHashCode(key.Language));
    }
}
