using System.Text.RegularExpressions;
using Acd.Ivr.Expressions;

namespace Acd.Ivr.Scripting;

/// <summary>The node kinds of a script. <c>End</c> is the machine's final state, not a script node.</summary>
public enum IvrNodeKind
{
    Play,
    Menu,
    Collect,
    Branch,
    Set,
    Say,
    Queue,
    Transfer,
    Callback,
    Voicemail,
    Hangup,
    End,
}

/// <summary>How a <c>say</c> node reads its value.</summary>
public enum SayMode
{
    Digits,
    Number,
    Duration,
}

/// <summary>Where a <c>transfer</c> node sends the call.</summary>
public enum TransferKind
{
    Queue,
    Agent,
    Uri,
}

/// <summary>A labelled transition: the trigger fired on the Stateless machine and the node it leads to.</summary>
internal sealed class IvrEdge(string trigger, string targetName, SourceLocation location)
{
    public string Trigger { get; } = trigger;

    public string TargetName { get; } = targetName;

    public SourceLocation Location { get; } = location;

    public IvrNode Target { get; set; } = null!;
}

/// <summary>One compiled node. Immutable after load; the Stateless state of a call is the node object itself.</summary>
internal abstract class IvrNode(string name, IvrNodeKind kind, SourceLocation location)
{
    public string Name { get; } = name;

    public IvrNodeKind Kind { get; } = kind;

    public SourceLocation Location { get; } = location;

    /// <summary>Position in <see cref="IvrScript"/>'s node array (the end state is last).</summary>
    public int Index { get; set; }

    /// <summary>The entry-action label shown in graphs (computed once, shared by every call's machine).</summary>
    public string? EntryDescription { get; set; }

    /// <summary>Outgoing transitions in declaration order.</summary>
    public List<IvrEdge> Edges { get; } = [];

    /// <summary>Queues whose conditions this node's expressions read (fetched before evaluation).</summary>
    public string[] Queues { get; set; } = [];

    public bool WaitsForInput => Kind is IvrNodeKind.Menu or IvrNodeKind.Collect;

    public bool IsTerminal => Kind is IvrNodeKind.Queue or IvrNodeKind.Transfer or IvrNodeKind.Callback
        or IvrNodeKind.Voicemail or IvrNodeKind.Hangup;

    public IvrEdge AddEdge(string trigger, string target, SourceLocation location)
    {
        var edge = new IvrEdge(trigger, target, location);
        Edges.Add(edge);
        return edge;
    }

    public override string ToString() => Name;
}

internal sealed class PlayNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Play, location)
{
    public string[] Prompts { get; init; } = [];

    public bool BargeIn { get; init; }

    public IvrEdge Next { get; set; } = null!;
}

internal sealed class MenuNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Menu, location)
{
    public string[] Prompts { get; init; } = [];

    public Dictionary<char, IvrEdge> Options { get; } = [];

    public TimeSpan Timeout { get; init; }

    public string[] InvalidPrompts { get; init; } = [];

    public string[] TimeoutPrompts { get; init; } = [];

    public int MaxRetries { get; init; }

    public IvrEdge Failure { get; set; } = null!;
}

internal sealed class CollectNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Collect, location)
{
    public string[] Prompts { get; init; } = [];

    public int MinDigits { get; init; }

    public int MaxDigits { get; init; }

    public char? Terminator { get; init; }

    public TimeSpan FirstDigitTimeout { get; init; }

    public TimeSpan InterDigitTimeout { get; init; }

    public Regex? Pattern { get; init; }

    public string Variable { get; init; } = string.Empty;

    public string[] InvalidPrompts { get; init; } = [];

    public string[] TimeoutPrompts { get; init; } = [];

    public int MaxRetries { get; init; }

    public IvrEdge Next { get; set; } = null!;

    public IvrEdge Failure { get; set; } = null!;
}

internal sealed class BranchNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Branch, location)
{
    public List<(CompiledExpression Condition, IvrEdge Edge)> Cases { get; } = [];

    public IvrEdge Else { get; set; } = null!;
}

internal sealed class SetNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Set, location)
{
    public List<(string Variable, CompiledExpression Value)> Assignments { get; } = [];

    public string? Language { get; init; }

    public IvrEdge Next { get; set; } = null!;
}

internal sealed class SayNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Say, location)
{
    public SayMode Mode { get; init; }

    public CompiledExpression Value { get; init; } = null!;

    public string[] Before { get; init; } = [];

    public string[] After { get; init; } = [];

    public bool BargeIn { get; init; }

    public IvrEdge Next { get; set; } = null!;
}

internal sealed class QueueNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Queue, location)
{
    public string[] Prompts { get; init; } = [];

    public string? Queue { get; init; }

    public string[] Skills { get; init; } = [];

    public int Priority { get; init; }

    public bool CallbackOffer { get; init; }

    public char? ExitKey { get; init; }

    public IvrEdge? Exit { get; set; }
}

internal sealed class TransferNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Transfer, location)
{
    public string[] Prompts { get; init; } = [];

    public TransferKind Target { get; init; }

    public string Destination { get; init; } = string.Empty;
}

internal sealed class CallbackNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Callback, location)
{
    public string[] Prompts { get; init; } = [];

    public string Queue { get; init; } = string.Empty;

    public CompiledExpression? Number { get; init; }
}

internal sealed class VoicemailNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Voicemail, location)
{
    public string[] Prompts { get; init; } = [];

    public string Mailbox { get; init; } = string.Empty;

    public TimeSpan MaxLength { get; init; }

    public bool Beep { get; init; }

    public string[] ClosingPrompts { get; init; } = [];
}

internal sealed class HangupNode(string name, SourceLocation location) : IvrNode(name, IvrNodeKind.Hangup, location)
{
    public string[] Prompts { get; init; } = [];
}

/// <summary>The final state every call reaches: after a terminal node or when the caller hangs up.</summary>
internal sealed class EndNode(SourceLocation location) : IvrNode("ended", IvrNodeKind.End, location);
