using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Dialer.Pacing;
using Acd.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Dialer.Campaigns;

/// <summary>What a campaign needs to know about the outside world to start.</summary>
public sealed record CampaignStartContext(int StaffedAgents, IReadOnlySet<string> KnownTrunks);

/// <summary>The abandon-rate figures of a campaign for its compliance report.</summary>
public sealed record ComplianceReport(
    string CampaignId,
    DateTimeOffset GeneratedAt,
    TimeSpan Window,
    long LiveAnswered,
    long Abandoned,
    double AbandonRatio,
    double Limit,
    bool WithinLimit,
    IReadOnlyDictionary<CallOutcome, long> Outcomes,
    IReadOnlyDictionary<ComplianceRule, long> Blocks);

/// <summary>
/// A campaign: its settings, life cycle (draft -> running &lt;-> paused -> finished), lead list and per-lead
/// attempts, and the live figures its pacer and compliance report read. Owned by one loop (the
/// <see cref="CampaignDialer"/>): not thread-safe.
/// </summary>
public sealed class Campaign
{
    private readonly List<Lead> _leads = [];
    private readonly PriorityQueue<Lead, (DateTimeOffset NotBefore, int Line)> _due = new();
    private readonly Dictionary<CallOutcome, long> _outcomes = [];
    private readonly Dictionary<ComplianceRule, long> _blocks = [];
    private readonly ILogger _logger;

    public Campaign(CampaignConfig config, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _logger = logger ?? NullLogger.Instance;
        Abandons = new AbandonRateTracker(config.AbandonWindow >= TimeSpan.FromMinutes(1) ? config.AbandonWindow : AbandonWindows.Fcc);
        Statistics = new PacingStatistics(TimeSpan.FromSeconds(180), TimeSpan.FromSeconds(8));
    }

    public string Id => Config.Id;

    public CampaignConfig Config { get; }

    public CampaignState State { get; private set; } = CampaignState.Draft;

    public IReadOnlyList<Lead> Leads => _leads;

    /// <summary>Leads waiting for an attempt (now or later).</summary>
    public int PendingLeads => _due.Count;

    public AbandonRateTracker Abandons { get; }

    public PacingStatistics Statistics { get; }

    /// <summary>Adds imported leads (draft or paused campaigns only).</summary>
    public string? AddLeads(IEnumerable<Lead> leads)
    {
        ArgumentNullException.ThrowIfNull(leads);
        if (State is not (CampaignState.Draft or CampaignState.Paused))
        {
            return $"leads can be added only to a draft or paused campaign; {Id} is {State}";
        }

        foreach (var lead in leads)
        {
            _leads.Add(lead);
            _due.Enqueue(lead, (lead.NotBefore, lead.SourceLine));
        }

        return null;
    }

    /// <summary>
    /// Adds the leads of a CSV import and counts its rejected rows in <paramref name="metrics"/>; a failed import
    /// (bad header, too many rows) adds nothing and returns its error.
    /// </summary>
    public string? AddLeads(LeadImportResult import, DialerMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(import);
        ArgumentNullException.ThrowIfNull(metrics);
        if (import.RejectedRows > 0)
        {
            metrics.RejectedRows(Id, import.RejectedRows);
        }

        return import.FatalError ?? AddLeads(import.Leads);
    }

    /// <summary>Draft or paused to running, when nothing is wrong; otherwise every reason it cannot start.</summary>
    public IReadOnlyList<ConfigError> Start(CampaignStartContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = new List<ConfigError>(Config.Validate());
        if (State is not (CampaignState.Draft or CampaignState.Paused))
        {
            errors.Add(new ConfigError("campaign.state", Id, $"cannot start a {State} campaign"));
        }

        if (_due.Count == 0)
        {
            errors.Add(new ConfigError("campaign.leads", Id, "no leads to dial"));
        }

        if (Config.Mode != DialMode.Agentless && context.StaffedAgents <= 0)
        {
            errors.Add(new ConfigError("campaign.queue", Id, $"no agents logged in to queue '{Config.Queue}'"));
        }

        foreach (var trunk in Config.Trunks.Where(t => !context.KnownTrunks.Contains(t)))
        {
            errors.Add(new ConfigError("campaign.trunks", Id, $"unknown trunk '{trunk}'"));
        }

        if (errors.Count > 0)
        {
            Log.StartRefused(_logger, Id, string.Join("; ", errors));
            return errors;
        }

        Move(CampaignState.Running);
        return errors;
    }

    public bool Pause() => State == CampaignState.Running && Move(CampaignState.Paused);

    public bool Finish() => State != CampaignState.Finished && Move(CampaignState.Finished);

    /// <summary>Takes the next lead due at <paramref name="now"/>, if any (it becomes <see cref="LeadState.Dialing"/>).</summary>
    public Lead? TakeDue(DateTimeOffset now)
    {
        while (_due.TryPeek(out var lead, out var key))
        {
            if (key.NotBefore > now)
            {
                return null;
            }

            _due.Dequeue();
            if (lead.State == LeadState.Pending && key.NotBefore >= lead.NotBefore)
            {
                lead.State = LeadState.Dialing;
                return lead;
            }
        }

        return null;
    }

    /// <summary>Puts a taken lead back (not dialed: no trunk, not authorised, window closed until <paramref name="notBefore"/>).</summary>
    public void Return(Lead lead, DateTimeOffset notBefore)
    {
        ArgumentNullException.ThrowIfNull(lead);
        lead.State = LeadState.Pending;
        lead.NotBefore = notBefore;
        _due.Enqueue(lead, (notBefore, lead.SourceLine));
    }

    /// <summary>A compliance rule refused the lead: counted, and retried at <paramref name="retryAt"/> or closed.</summary>
    public void Blocked(Lead lead, ComplianceDecision decision)
    {
        ArgumentNullException.ThrowIfNull(lead);
        _blocks[decision.Rule] = _blocks.GetValueOrDefault(decision.Rule) + 1;
        if (decision.RetryAt is { } at)
        {
            Return(lead, at);
            return;
        }

        Close(lead, decision.Rule == ComplianceRule.DoNotCall ? CallOutcome.Dnc : lead.Attempts.Count > 0 ? lead.Attempts[^1].Outcome : CallOutcome.Failed);
        if (decision.Rule == ComplianceRule.DoNotCall)
        {
            _outcomes[CallOutcome.Dnc] = _outcomes.GetValueOrDefault(CallOutcome.Dnc) + 1;
        }
    }

    /// <summary>Records an attempt's outcome: abandon figures, pacing figures, and the lead's next step under the retry rules.</summary>
    public void Record(Lead lead, LeadAttempt attempt, TimeSpan? ringToAnswer)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentNullException.ThrowIfNull(attempt);
        lead.Record(attempt);
        _outcomes[attempt.Outcome] = _outcomes.GetValueOrDefault(attempt.Outcome) + 1;
        var human = attempt.Outcome is CallOutcome.AnsweredHuman or CallOutcome.Abandoned;
        if (attempt.Outcome == CallOutcome.Abandoned)
        {
            Abandons.RecordAbandoned(attempt.EndedAt);
            Statistics.RecordLiveOutcome(abandoned: true);
        }
        else if (attempt.Outcome == CallOutcome.AnsweredHuman)
        {
            Abandons.RecordConnected(attempt.EndedAt);
            Statistics.RecordLiveOutcome(abandoned: false);
        }

        if (attempt.Outcome != CallOutcome.Dnc)
        {
            Statistics.RecordDial(human, attempt.Outcome == CallOutcome.Machine, ringToAnswer, attempt.StartedAt, Config.RingTimeout + TimeSpan.FromSeconds(5));
        }

        if (attempt.Outcome is CallOutcome.AnsweredHuman or CallOutcome.Dnc
            || lead.Attempts.Count >= Config.MaxAttemptsPerLead
            || !Config.Retry.TryGetValue(attempt.Outcome, out var rule)
            || lead.AttemptsWith(attempt.Outcome) >= rule.MaxAttempts)
        {
            Close(lead, attempt.Outcome);
            return;
        }

        Return(lead, attempt.EndedAt + rule.Delay);
    }

    /// <summary>
    /// Replays the attempts a lead had before a restart (persistence): the lead's state and next try, the outcome counts,
    /// the abandon window and the pacing figures come back as they were. Draft or paused campaigns only.
    /// </summary>
    public void Restore(Lead lead, IEnumerable<LeadAttempt> attempts)
    {
        ArgumentNullException.ThrowIfNull(lead);
        ArgumentNullException.ThrowIfNull(attempts);
        foreach (var attempt in attempts.OrderBy(a => a.StartedAt))
        {
            Record(lead, attempt, null);
        }
    }

    public ComplianceReport Report(DateTimeOffset now)
    {
        var snapshot = Abandons.Snapshot(now);
        return new ComplianceReport(
            Id,
            now,
            snapshot.Window,
            snapshot.LiveAnswered,
            snapshot.Abandoned,
            snapshot.Ratio,
            Config.MaxAbandonRate,
            snapshot.Ratio <= Config.MaxAbandonRate,
            new Dictionary<CallOutcome, long>(_outcomes),
            new Dictionary<ComplianceRule, long>(_blocks));
    }

    private static void Close(Lead lead, CallOutcome outcome)
    {
        lead.State = LeadState.Done;
        lead.FinalOutcome = outcome;
    }

    private bool Move(CampaignState state)
    {
        State = state;
        Log.StateChanged(_logger, Id, state);
        return true;
    }
}
