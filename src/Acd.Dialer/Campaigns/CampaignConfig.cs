using System.Globalization;
using Acd.Dialer.Compliance;
using Acd.Routing;
using NodaTime;

namespace Acd.Dialer.Campaigns;

/// <summary>Retry rule for one outcome: how often and how soon a lead may be dialed again after it.</summary>
public sealed record RetryRule(int MaxAttempts, TimeSpan Delay);

/// <summary>
/// One campaign's settings. Validation (<see cref="Validate"/>) returns every error with its location; a campaign
/// cannot start while any remain (see <see cref="Campaign.Start"/>).
/// </summary>
public sealed record CampaignConfig
{
    public required string Id { get; init; }

    public DialMode Mode { get; init; } = DialMode.Progressive;

    /// <summary>Caller ID presented in From / P-Asserted-Identity, E.164. Required: no caller ID, no start.</summary>
    public string? CallerId { get; init; }

    /// <summary>Routing queue whose agents take the answered calls (not needed by a pure broadcast).</summary>
    public string? Queue { get; init; }

    /// <summary>Trunks to use, in failover order.</summary>
    public IReadOnlyList<string> Trunks { get; init; } = [];

    /// <summary>Region assumed for national numbers in lead lists (ISO 3166 alpha-2).</summary>
    public string DefaultRegion { get; init; } = "US";

    /// <summary>Regions (ISO 3166 alpha-2) the campaign may call; no other destination is authorised (toll-fraud guard).</summary>
    public IReadOnlyList<string> AllowedRegions { get; init; } = ["US"];

    /// <summary>Hard cap on the abandon ratio over <see cref="AbandonWindow"/> (regulators: 3%).</summary>
    public double MaxAbandonRate { get; init; } = 0.03;

    /// <summary>What the predictive pacer aims for, below the cap.</summary>
    public double TargetAbandonRate { get; init; } = 0.02;

    /// <summary>The window of the abandon ratio: 30 days (FCC) or 24 hours (Ofcom).</summary>
    public TimeSpan AbandonWindow { get; init; } = AbandonWindows.Fcc;

    /// <summary>Lines per free agent in <see cref="DialMode.Power"/>.</summary>
    public double PowerLinesPerAgent { get; init; } = 2.0;

    /// <summary>Upper bound of the predictive dial level (lines per free agent).</summary>
    public double MaxDialLevel { get; init; } = 6.0;

    /// <summary>Lines in <see cref="DialMode.Agentless"/> (bounded further by the trunks).</summary>
    public int BroadcastLines { get; init; } = 10;

    /// <summary>Ring time before giving up; at least <see cref="MinRingTime"/>.</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>Regulatory minimum ring time (US TSR: 15 s or four rings).</summary>
    public TimeSpan MinRingTime { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time from answer within which a live person must reach an agent or hear the identification message.</summary>
    public TimeSpan ConnectDeadline { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Prompt played to an abandoned call: who called and how to opt out.</summary>
    public string? AbandonMessage { get; init; }

    public bool AmdEnabled { get; init; } = true;

    public MachineAction OnMachine { get; init; } = MachineAction.Hangup;

    /// <summary>Message left on machines (<see cref="MachineAction.LeaveMessage"/>) or played by a broadcast.</summary>
    public string? Message { get; init; }

    /// <summary>Outbound IVR script for agentless campaigns (instead of the press-1/press-9 message).</summary>
    public string? IvrScript { get; init; }

    /// <summary>An abandoned number is not redialed within this time...</summary>
    public TimeSpan AbandonRedialBlock { get; init; } = TimeSpan.FromHours(72);

    /// <summary>...unless the redial is guaranteed an agent (preview, or a reserved agent), when this is true.</summary>
    public bool AllowAbandonRedialWithAgent { get; init; } = true;

    /// <summary>Total attempts per lead over all outcomes.</summary>
    public int MaxAttemptsPerLead { get; init; } = 5;

    /// <summary>Attempt limit and retry delay per outcome; outcomes absent here are final.</summary>
    public IReadOnlyDictionary<CallOutcome, RetryRule> Retry { get; init; } = new Dictionary<CallOutcome, RetryRule>
    {
        [CallOutcome.Busy] = new(3, TimeSpan.FromMinutes(10)),
        [CallOutcome.NoAnswer] = new(3, TimeSpan.FromHours(2)),
        [CallOutcome.Failed] = new(2, TimeSpan.FromMinutes(30)),
        [CallOutcome.Machine] = new(2, TimeSpan.FromHours(4)),
        [CallOutcome.Abandoned] = new(2, TimeSpan.FromHours(72)),
    };

    /// <summary>Callee-local hours: no call outside them in any of the number's possible zones (US TSR: 08:00-21:00).</summary>
    public DailyWindow CalleeWindow { get; init; } = new(new LocalTime(8, 0), new LocalTime(21, 0));

    /// <summary>tzdb zone of the campaign's own hours and holidays.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Campaign hours per day of week in <see cref="TimeZone"/>; absent day = closed. Empty = always open.</summary>
    public IReadOnlyDictionary<IsoDayOfWeek, DailyWindow> CampaignHours { get; init; } = new Dictionary<IsoDayOfWeek, DailyWindow>();

    /// <summary>Dates in <see cref="TimeZone"/> on which the campaign does not dial.</summary>
    public IReadOnlyList<LocalDate> Holidays { get; init; } = [];

    public IReadOnlyList<ConfigError> Validate(string location = "campaign")
    {
        var errors = new List<ConfigError>();
        void Add(string field, string message) => errors.Add(new ConfigError($"{location}.{field}", Id ?? "", message));

        if (string.IsNullOrWhiteSpace(Id))
        {
            Add("id", "is required");
        }

        if (string.IsNullOrWhiteSpace(CallerId))
        {
            Add("callerId", "is required: a campaign cannot dial without a caller ID");
        }
        else if (!CallerIdValidator.IsValid(CallerId, DefaultRegion, out var reason))
        {
            Add("callerId", reason);
        }

        if (Mode != DialMode.Agentless && string.IsNullOrWhiteSpace(Queue))
        {
            Add("queue", $"is required in {Mode} mode (answered calls go to its agents)");
        }

        if (Mode == DialMode.Agentless && string.IsNullOrWhiteSpace(Message) && string.IsNullOrWhiteSpace(IvrScript))
        {
            Add("message", "an agentless campaign needs a message or an IVR script");
        }

        if (OnMachine == MachineAction.LeaveMessage && string.IsNullOrWhiteSpace(Message))
        {
            Add("message", "is required when machines get a message");
        }

        if (AllowedRegions.Count == 0)
        {
            Add("allowedRegions", "at least one region is required");
        }

        if (Trunks.Count == 0)
        {
            Add("trunks", "at least one trunk is required");
        }

        if (!(MaxAbandonRate > 0 && MaxAbandonRate <= 0.03))
        {
            Add("maxAbandonRate", "must be in (0, 0.03]");
        }

        if (!(TargetAbandonRate > 0 && TargetAbandonRate <= MaxAbandonRate))
        {
            Add("targetAbandonRate", "must be in (0, maxAbandonRate]");
        }

        if (AbandonWindow < TimeSpan.FromHours(1))
        {
            Add("abandonWindow", "must be at least one hour");
        }

        if (!(PowerLinesPerAgent >= 1 && PowerLinesPerAgent <= 10))
        {
            Add("powerLinesPerAgent", "must be in [1, 10]");
        }

        if (!(MaxDialLevel >= 1 && MaxDialLevel <= 20))
        {
            Add("maxDialLevel", "must be in [1, 20]");
        }

        if (BroadcastLines is < 1 or > 10_000)
        {
            Add("broadcastLines", "must be in [1, 10000]");
        }

        if (MinRingTime < TimeSpan.FromSeconds(15))
        {
            Add("minRingTime", "must be at least 15 s");
        }

        if (RingTimeout < MinRingTime || RingTimeout > TimeSpan.FromMinutes(2))
        {
            Add("ringTimeout", "must be between minRingTime and 120 s");
        }

        if (ConnectDeadline <= TimeSpan.Zero || ConnectDeadline > TimeSpan.FromSeconds(2))
        {
            Add("connectDeadline", "must be in (0, 2 s]");
        }

        if (Mode is (DialMode.Progressive or DialMode.Power or DialMode.Predictive) && string.IsNullOrWhiteSpace(AbandonMessage))
        {
            Add("abandonMessage", "is required: an abandoned call must hear who called within 2 s");
        }

        if (AbandonRedialBlock < TimeSpan.Zero)
        {
            Add("abandonRedialBlock", "must not be negative");
        }

        if (MaxAttemptsPerLead is < 1 or > 100)
        {
            Add("maxAttemptsPerLead", "must be in [1, 100]");
        }

        foreach (var (outcome, rule) in Retry)
        {
            if (outcome is CallOutcome.AnsweredHuman or CallOutcome.Dnc)
            {
                Add($"retry.{outcome}", "is final and cannot be retried");
            }
            else if (rule.MaxAttempts < 1 || rule.Delay < TimeSpan.Zero)
            {
                Add($"retry.{outcome}", "maxAttempts must be >= 1 and delay >= 0");
            }
        }

        if (!CalleeWindow.IsValid)
        {
            Add("calleeWindow", "start must be before end");
        }

        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(TimeZone) is null)
        {
            Add("timeZone", string.Create(CultureInfo.InvariantCulture, $"unknown tzdb zone '{TimeZone}'"));
        }

        foreach (var (day, window) in CampaignHours)
        {
            if (!window.IsValid)
            {
                Add($"campaignHours.{day}", "start must be before end");
            }
        }

        return errors;
    }
}
