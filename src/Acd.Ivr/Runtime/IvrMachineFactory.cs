using Acd.Ivr.Scripting;
using Stateless;
using Stateless.Graph;

namespace Acd.Ivr.Runtime;

/// <summary>
/// Builds the Stateless machine of a compiled script. States are the script's node objects (plus the end state),
/// triggers are the edge labels ("press 1", "next", "failure", "[condition]", "else", "done", "hangup"). The
/// transition table is computed once at load (<see cref="IvrScript"/>); a call only replays it into its machine.
/// </summary>
internal static class IvrMachineFactory
{
    public const string Done = "done";
    public const string Hangup = "hangup";

    /// <summary>
    /// A machine for one call, with state held outside (by the session). With <paramref name="lazy"/> only the end
    /// state is configured here; the session calls <see cref="ConfigureNode"/> as the call reaches nodes, so a call
    /// pays only for the part of the script it visits.
    /// </summary>
    public static StateMachine<IvrNode, string> Create(IvrScript script, Func<IvrNode> getState, Action<IvrNode> setState, Action<IvrNode>? onEntry, bool includeHangup, bool lazy = false)
    {
        var machine = new StateMachine<IvrNode, string>(getState, setState, FiringMode.Queued);
        if (!lazy)
        {
            foreach (var node in script.Nodes)
            {
                ConfigureNode(machine, script, node, onEntry, includeHangup);
            }
        }

        var end = machine.Configure(script.End);
        if (includeHangup)
        {
            end.Ignore(Hangup);
        }

        return machine;
    }

    /// <summary>Configures one node's entry action and outgoing transitions (call once per node and machine).</summary>
    /// <remarks>Entry actions are synchronous (the session fires with <c>Fire</c>): waits happen in the session's loop.</remarks>
    public static void ConfigureNode(StateMachine<IvrNode, string> machine, IvrScript script, IvrNode node, Action<IvrNode>? onEntry, bool includeHangup)
    {
        var state = machine.Configure(node);
        var description = node.EntryDescription ??= Describe(node);
        if (onEntry is not null)
        {
            state.OnEntry(() => onEntry(node), description);
        }
        else
        {
            state.OnEntry(static () => { }, description);
        }

        foreach (var edge in node.Edges)
        {
            if (ReferenceEquals(edge.Target, node))
            {
                state.PermitReentry(edge.Trigger);
            }
            else
            {
                state.Permit(edge.Trigger, edge.Target);
            }
        }

        if (node.IsTerminal)
        {
            state.Permit(Done, script.End);
        }

        if (includeHangup)
        {
            state.Permit(Hangup, script.End);
        }
    }

    /// <summary>The script as a Mermaid state diagram, generated from the Stateless machine description.</summary>
    public static string ToMermaid(IvrScript script) => MermaidGraph.Format(Describe(script).GetInfo());

    /// <summary>The script as a Graphviz DOT graph, generated from the Stateless machine description.</summary>
    public static string ToDot(IvrScript script) => UmlDotGraph.Format(Describe(script).GetInfo());

    private static StateMachine<IvrNode, string> Describe(IvrScript script)
    {
        var state = script.Start;
        return Create(script, () => state, s => state = s, onEntry: null, includeHangup: false);
    }

    private static string Describe(IvrNode node) => node switch
    {
        PlayNode p => "play " + string.Join(", ", p.Prompts),
        MenuNode m => $"menu {string.Join(", ", m.Prompts)} (timeout {m.Timeout.TotalSeconds:0.#}s, retries {m.MaxRetries})",
        CollectNode c => $"collect {c.MinDigits}-{c.MaxDigits} digits into vars.{c.Variable}",
        BranchNode => "branch",
        SetNode s => "set " + string.Join(", ", s.Assignments.Select(a => a.Variable).Concat(s.Language is null ? [] : ["language"])),
        SayNode s => $"say {s.Value.Text} as {s.Mode.ToString().ToLowerInvariant()}",
        QueueNode q => "queue " + (q.Queue ?? "skills " + string.Join("+", q.Skills)) + $" priority {q.Priority}",
        TransferNode t => $"transfer to {t.Target.ToString().ToLowerInvariant()} {t.Destination}",
        CallbackNode c => "callback in queue " + c.Queue,
        VoicemailNode v => "voicemail for " + v.Mailbox,
        _ => node.Kind.ToString().ToLowerInvariant(),
    };
}
