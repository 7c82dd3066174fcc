using Acd.Dialer.Campaigns;
using Acd.Dialer.Leads;
using NodaTime;

namespace Acd.Dialer.Compliance;

/// <summary>The rule behind a compliance decision.</summary>
public enum ComplianceRule
{
    None,
    DoNotCall,
    AttemptLimit,
    RetryDelay,
    AbandonRedial,
    CallingWindow,
    AbandonRate,
}

/// <summary>May this lead be dialed now? If not, which rule says no, why, and when to look again (null: never).</summary>
public readonly record struct ComplianceDecision(bool Allowed, ComplianceRule Rule, string Reason, DateTimeOffset? RetryAt)
{
    public static readonly ComplianceDecision Allow = new(true, ComplianceRule.None, "allowed", null);
}

/// <summary>One line of the compliance journal: what was decided, for which number, when, and why.</summary>
public sealed record ComplianceRecord(DateTimeOffset At, string CampaignId, string LeadId, string E164, bool Allowed, ComplianceRule Rule, string Reason);

/// <summary>Where compliance decisions are kept as proof (a database, a file; in memory by default).</summary>
public interface IComplianceJournal
{
    void Write(ComplianceRecord record);
}

/// <summary>Bounded in-memory journal: keeps the newest <see cref="Capacity"/> records and counts the rest.</summary>
public sealed class InMemoryComplianceJournal(int capacity = 100_000) : IComplianceJournal
{
    private readonly Queue<ComplianceRecord> _records = new();
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity;

    public long Dropped { get; private set; }

    public void Write(ComplianceRecord record)
    {
        lock (_lock)
        {
            if (_records.Count == Capacity)
            {
                _records.Dequeue();
                Dropped++;
            }

            _records.Enqueue(record);
        }
    }

    public IReadOnlyList<ComplianceRecord> Snapshot()
    {
        lock (_lock)
        {
            return [.. _records];
        }
    }
}

/// <summary>
/// The dial-time checks, in order: do-not-call (checked now, not at import), attempt limits, retry delay, the
/// no-redial-after-abandon rule (72 h unless an agent is guaranteed), and the calling windows in the callee's
/// local time. Every decision is written to the journal.
/// </summary>
public sealed class ComplianceGuard(IDoNotCallRegistry dnc, CallingWindowPolicy windows, IComplianceJournal journal)
{
    public ComplianceDecision Check(CampaignConfig campaign, Lead lead, DateTimeOffset now, bool agentGuaranteed)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(lead);
        var decision = Decide(campaign, lead, now, agentGuaranteed);
        journal.Write(new ComplianceRecord(now, campaign.Id, lead.Id, lead.E164, decision.Allowed, decision.Rule, decision.Reason));
        return decision;
    }

    private ComplianceDecision Decide(CampaignConfig campaign, Lead lead, DateTimeOffset now, bool agentGuaranteed)
    {
        if (dnc.Find(lead.E164, campaign.Id) is { } entry)
        {
            return new(false, ComplianceRule.DoNotCall, $"on the {entry.Source} do-not-call list since {entry.AddedAt:O}", null);
        }

        if (lead.Attempts.Count >= campaign.MaxAttemptsPerLead)
        {
            return new(false, ComplianceRule.AttemptLimit, $"{lead.Attempts.Count} attempts made (limit {campaign.MaxAttemptsPerLead})", null);
        }

        if (lead.Attempts.Count > 0)
        {
            var last = lead.Attempts[^1];
            if (!campaign.Retry.TryGetValue(last.Outcome, out var rule))
            {
                return new(false, ComplianceRule.AttemptLimit, $"outcome {last.Outcome} is final", null);
            }

            var count = lead.AttemptsWith(last.Outcome);
            if (count >= rule.MaxAttempts)
            {
                return new(false, ComplianceRule.AttemptLimit, $"{count} attempts ended {last.Outcome} (limit {rule.MaxAttempts})", null);
            }

            if (now < last.EndedAt + rule.Delay)
            {
                return new(false, ComplianceRule.RetryDelay, $"retry after {last.Outcome} not before {last.EndedAt + rule.Delay:O}", last.EndedAt + rule.Delay);
            }
        }

        if (lead.LastAbandonedAt is { } abandoned && now < abandoned + campaign.AbandonRedialBlock
            && !(agentGuaranteed && campaign.AllowAbandonRedialWithAgent))
        {
            return new(false, ComplianceRule.AbandonRedial, $"abandoned at {abandoned:O}: no redial within {campaign.AbandonRedialBlock.TotalHours:F0} h without a guaranteed agent", abandoned + campaign.AbandonRedialBlock);
        }

        var window = windows.Check(campaign, lead.TimeZones, Instant.FromDateTimeOffset(now));
        if (!window.Allowed)
        {
            return new(false, ComplianceRule.CallingWindow, window.Reason, window.NextOpen?.ToDateTimeOffset());
        }

        return ComplianceDecision.Allow;
    }
}
