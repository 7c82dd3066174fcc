using System.Collections.Frozen;

namespace Acd.Ivr.Scripting;

/// <summary>
/// A validated, compiled script: immutable, shared by every call that runs it. A call keeps the instance it
/// started with, so a reload never changes a call in progress.
/// </summary>
public sealed class IvrScript
{
    internal IvrScript(
        string name,
        string file,
        string language,
        IReadOnlyList<string> numbers,
        IvrNode[] nodes,
        IvrNode start,
        EndNode end,
        FrozenDictionary<string, BusinessSchedule> schedules,
        IvrPromptLibrary prompts,
        DateTimeOffset loadedAt)
    {
        Name = name;
        File = file;
        Language = language;
        Numbers = numbers;
        Nodes = nodes;
        Start = start;
        End = end;
        Schedules = schedules;
        Prompts = prompts;
        PromptSets = new Runtime.IvrPromptSets(prompts);
        LoadedAt = loadedAt;
        NodeByName = nodes.ToFrozenDictionary(n => n.Name, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i].Index = i;
        }

        end.Index = nodes.Length;
    }

    /// <summary>Script name (the <c>name:</c> key, else the file name without extension).</summary>
    public string Name { get; }

    /// <summary>The file it was loaded from.</summary>
    public string File { get; }

    /// <summary>Default prompt language.</summary>
    public string Language { get; }

    /// <summary>Dialed numbers this script answers (the number plan).</summary>
    public IReadOnlyList<string> Numbers { get; }

    /// <summary>When this version was compiled.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>Name of the first node.</summary>
    public string StartNode => Start.Name;

    /// <summary>Node names in file order.</summary>
    public IEnumerable<string> NodeNames => Nodes.Select(n => n.Name);

    internal IvrNode[] Nodes { get; }

    internal IvrNode Start { get; }

    internal EndNode End { get; }

    internal FrozenDictionary<string, IvrNode> NodeByName { get; }

    internal FrozenDictionary<string, BusinessSchedule> Schedules { get; }

    internal IvrPromptLibrary Prompts { get; }

    /// <summary>The nodes' prompt lists resolved to files, per language, shared by the script's calls.</summary>
    internal Runtime.IvrPromptSets PromptSets { get; }

    /// <summary>The node kind of <paramref name="node"/>, or null when the script has no such node.</summary>
    public IvrNodeKind? KindOf(string node) => NodeByName.TryGetValue(node, out var n) ? n.Kind : null;

    public override string ToString() => $"{Name} ({File})";
}
