using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Acd.Dialer;
using Acd.Dialer.Callbacks;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using Acd.Routing;
using Acd.Server.Configuration;
using Acd.Server.Dialer;

namespace Acd.Server.Api;

/// <summary>What the campaign and callback endpoints need of the node's dialer (<see cref="DialerHost"/>; a fake in tests).</summary>
internal interface IDialerControl
{
    IReadOnlyList<CampaignDialer> Campaigns { get; }

    CampaignDialer? Find(string id);

    /// <summary>Draft or paused to running; every reason it cannot.</summary>
    Task<IReadOnlyList<ConfigError>> StartCampaignAsync(string id, CancellationToken cancellationToken);

    bool PauseCampaign(string id);

    bool FinishCampaign(string id);

    IDoNotCallRegistry DoNotCall { get; }

    /// <summary>Removes a campaign's own do-not-call entry (never an opt-out); null when there is none.</summary>
    DncEntry? RemoveDoNotCall(string e164, string campaign);

    IReadOnlyList<ComplianceRecord> Journal();

    DialerMetrics Metrics { get; }

    /// <summary>Null when callbacks to numbers cannot be dialed on this node.</summary>
    CallbackDialer? Callbacks { get; }

    /// <summary>Region for numbers written without a country code.</summary>
    string DefaultRegion { get; }
}

/// <summary>The node's <see cref="DialerHost"/> as <see cref="IDialerControl"/>.</summary>
internal sealed class DialerHostControl(DialerHost host) : IDialerControl
{
    public IReadOnlyList<CampaignDialer> Campaigns => host.Campaigns;

    public IDoNotCallRegistry DoNotCall => host.DoNotCall;

    public DialerMetrics Metrics => host.Metrics;

    public CallbackDialer? Callbacks => host.Callbacks;

    public string DefaultRegion => host.Callbacks?.Options.AllowedRegions.FirstOrDefault() ?? "US";

    public CampaignDialer? Find(string id) => host.Find(id);

    public Task<IReadOnlyList<ConfigError>> StartCampaignAsync(string id, CancellationToken cancellationToken) => host.StartCampaignAsync(id, cancellationToken);

    public bool PauseCampaign(string id) => host.PauseCampaign(id);

    public bool FinishCampaign(string id) => host.FinishCampaign(id);

    public DncEntry? RemoveDoNotCall(string e164, string campaign) => host.RemoveDoNotCall(e164, campaign);

    public IReadOnlyList<ComplianceRecord> Journal() => host.Journal.Snapshot();
}

/// <summary>A campaign's abandon rate over its regulatory window.</summary>
public sealed record AbandonRateView(string Window, double WindowHours, long LiveAnswered, long Abandoned, double Ratio, double Limit, double Target, bool WithinLimit);

/// <summary>A campaign: settings, state and live figures.</summary>
public sealed record CampaignView(
    string Id,
    string State,
    string Mode,
    string? Queue,
    string? CallerId,
    IReadOnlyList<string> Trunks,
    double? DialLevel,
    int LinesInProgress,
    AbandonRateView AbandonRate,
    int Leads,
    int LeadsRemaining,
    int LeadsDueOrWaiting,
    IReadOnlyDictionary<string, long> Attempts,
    IReadOnlyDictionary<string, long> Blocks);

/// <summary>One rejected row of a lead import.</summary>
public sealed record LeadImportErrorView(int Line, string Message);

/// <summary>The answer of a lead import: imported count and every rejected line.</summary>
public sealed record LeadImportView(string Campaign, int Imported, int Rejected, IReadOnlyList<LeadImportErrorView> Errors, int Leads);

/// <summary>Body of <c>POST /api/campaigns/{id}/dnc</c>: the number; scope <c>optOut</c> (default: every campaign) or <c>campaign</c>.</summary>
public sealed record DncRequest(string? Number, string? Scope, string? Note);

/// <summary>A do-not-call entry.</summary>
public sealed record DncView(string Number, string Source, string? Campaign, DateTimeOffset AddedAt, string? Note);

/// <summary>One line of the compliance journal.</summary>
public sealed record ComplianceEntryView(DateTimeOffset At, string Lead, string Number, bool Allowed, string Rule, string Reason);

/// <summary>A campaign's compliance report: abandon rate over the window, outcomes, blocks by rule, and the newest journal lines.</summary>
public sealed record ComplianceView(
    string Campaign,
    DateTimeOffset GeneratedAt,
    AbandonRateView AbandonRate,
    IReadOnlyDictionary<string, long> Outcomes,
    IReadOnlyDictionary<string, long> Blocks,
    int JournalEntries,
    IReadOnlyList<ComplianceEntryView> Journal);

/// <summary>Body of <c>POST /api/callbacks</c>: number, queue, a named agent (optional), when (ISO 8601; default now).</summary>
public sealed record CallbackBody(string? Number, string? Queue, string? Agent, string? At);

/// <summary>A callback waiting for its turn.</summary>
public sealed record CallbackView(string Id, string Number, string Queue, string? Agent, string Kind, DateTimeOffset At);

/// <summary>
/// The campaign API (<c>/api/campaigns</c>: list, one, start/pause/resume/stop, CSV lead import, do-not-call capture, the
/// compliance report) and scheduled callbacks (<c>/api/callbacks</c>). Reading needs the agent role, control the supervisor
/// role, lead imports and do-not-call removals the admin role; an agent token schedules callbacks for its own agent only.
/// </summary>
internal static class CampaignEndpoints
{
    private const int MaxJournal = 1000;
    private static readonly TimeSpan MaxAhead = TimeSpan.FromDays(31);

    public static IReadOnlyList<ApiOperation> Operations { get; } =
    [
        new()
        {
            Method = "GET", Route = "/api/campaigns", Id = "campaigns.list", Role = ApiRole.Agent, Tag = "campaigns",
            Summary = "Every campaign: state, mode, dial level, abandon rate over its window, leads remaining, attempts by outcome.",
            Response = CampaignJson.Context.IReadOnlyListCampaignView, Errors = [503], Handler = ListAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/campaigns/{campaignId}", Id = "campaigns.get", Role = ApiRole.Agent, Tag = "campaigns",
            Summary = "One campaign.", Response = CampaignJson.Context.CampaignView, Errors = [404, 503], Handler = GetAsync,
        },
        Control("start", "Starts a draft campaign; refused with every reason (no caller ID, no agents, no leads, unknown trunk...).", StartAsync),
        Control("pause", "Pauses a running campaign: nothing more is dialed (calls under way finish).", PauseAsync),
        Control("resume", "Resumes a paused campaign (the same checks as start).", ResumeAsync),
        Control("stop", "Finishes the campaign for good.", StopAsync),
        new()
        {
            Method = "POST", Route = "/api/campaigns/{campaignId}/leads", Id = "campaigns.leads", Role = ApiRole.Admin, Tag = "campaigns",
            Summary = "Imports leads from a CSV body (text/csv; header with a `phone` column or `phoneColumn`, optional `id`, other columns "
                + "are screen-pop fields) into a draft or paused campaign; numbers normalised to E.164; every rejected line reported.",
            Query = [new("phoneColumn", "string", "Header of the number column (default `phone`).")],
            Response = CampaignJson.Context.LeadImportView, Errors = [400, 404, 409, 503], Handler = ImportLeadsAsync,
        },
        new()
        {
            Method = "POST", Route = "/api/campaigns/{campaignId}/dnc", Id = "campaigns.dnc.add", Role = ApiRole.Supervisor, Tag = "campaigns",
            Summary = "Captures an opt-out (scope `optOut`, default: never called again by any campaign) or adds the number to the campaign's own list (scope `campaign`).",
            Body = CampaignJson.Context.DncRequest, Response = CampaignJson.Context.DncView, Errors = [400, 404, 503], Handler = AddDncAsync,
        },
        new()
        {
            Method = "DELETE", Route = "/api/campaigns/{campaignId}/dnc/{number}", Id = "campaigns.dnc.remove", Role = ApiRole.Admin, Tag = "campaigns",
            Summary = "Removes the number from the campaign's own do-not-call list (an opt-out is never removed).",
            Response = CampaignJson.Context.DncView, Errors = [400, 404, 409, 503], Handler = RemoveDncAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/campaigns/{campaignId}/compliance", Id = "campaigns.compliance", Role = ApiRole.Supervisor, Tag = "campaigns",
            Summary = "The compliance report: abandon rate over the regulatory window against the limit, outcomes, blocks by rule, the newest journal lines.",
            Query = [new("limit", "integer", "Journal lines to return, newest last (0-1000; default 100).")],
            Response = CampaignJson.Context.ComplianceView, Errors = [400, 404, 503], Handler = ComplianceAsync,
        },
        new()
        {
            Method = "GET", Route = "/api/callbacks", Id = "callbacks.list", Role = ApiRole.Agent, Tag = "callbacks",
            Summary = "Callbacks waiting for their turn (an agent token sees its own agent's).",
            Response = CampaignJson.Context.IReadOnlyListCallbackView, Errors = [503], Handler = CallbacksAsync,
        },
        new()
        {
            Method = "POST", Route = "/api/callbacks", Id = "callbacks.schedule", Role = ApiRole.Agent, Tag = "callbacks",
            Summary = "Schedules a callback: dialed through the trunks at `at` once an agent of the queue (or the named agent) is free, "
                + "routed at priority 9. An agent token schedules for its own agent only.",
            Body = CampaignJson.Context.CallbackBody, Response = CampaignJson.Context.CallbackView, Errors = [400, 409, 503], Handler = ScheduleAsync,
        },
        new()
        {
            Method = "DELETE", Route = "/api/callbacks/{callbackId}", Id = "callbacks.cancel", Role = ApiRole.Agent, Tag = "callbacks",
            Summary = "Cancels a callback not yet dialed (an agent token: its own agent's only).",
            Response = CampaignJson.Context.CallbackView, Errors = [404, 503], Handler = CancelAsync,
        },
    ];

    private static ApiOperation Control(string action, string summary, Func<ApiCall, Task<IResult>> handler) => new()
    {
        Method = "POST", Route = "/api/campaigns/{campaignId}/" + action, Id = "campaigns." + action, Role = ApiRole.Supervisor, Tag = "campaigns",
        Summary = summary, Response = CampaignJson.Context.CampaignView, Errors = [400, 404, 409, 503], Handler = handler,
    };

    private static IDialerControl? Dialer(ApiCall c) =>
        c.Services.GetService<IDialerControl>() ?? (c.Services.GetService<DialerHost>() is { } host ? new DialerHostControl(host) : null);

    private static IResult NoDialer() =>
        ApiProblems.Of(StatusCodes.Status503ServiceUnavailable, "Unavailable", "the dialer is not configured on this node (Dialer:File)");

    private static Task<IResult> WithDialer(ApiCall c, Func<IDialerControl, Task<IResult>> action) =>
        Dialer(c) is { } dialer ? action(dialer) : Task.FromResult(NoDialer());

    private static CampaignDialer Campaign(ApiCall c, IDialerControl dialer)
    {
        var id = c.Path("campaignId");
        return dialer.Find(id) ?? throw new ApiNotFoundException($"no campaign '{id}'");
    }

    private static TimeProvider Time(ApiCall c) => c.Services.GetService<TimeProvider>() ?? TimeProvider.System;

    public static Task<IResult> ListAsync(ApiCall c) => WithDialer(c, d =>
    {
        var now = Time(c).GetUtcNow();
        IReadOnlyList<CampaignView> list = [.. d.Campaigns.Select(x => View(x, d.Metrics, now))];
        return Task.FromResult(Results.Json(list, CampaignJson.Context.IReadOnlyListCampaignView));
    });

    public static Task<IResult> GetAsync(ApiCall c) => WithDialer(c, d => Task.FromResult(Json(View(Campaign(c, d), d.Metrics, Time(c).GetUtcNow()))));

    public static Task<IResult> StartAsync(ApiCall c) => StartOrResumeAsync(c, CampaignState.Draft);

    public static Task<IResult> ResumeAsync(ApiCall c) => StartOrResumeAsync(c, CampaignState.Paused);

    private static Task<IResult> StartOrResumeAsync(ApiCall c, CampaignState from) => WithDialer(c, async d =>
    {
        var campaign = Campaign(c, d);
        var state = campaign.Campaign.State;
        if (state != from)
        {
            return ApiProblems.Conflict($"campaign {campaign.Campaign.Id} is {Text(state)}; {(from == CampaignState.Draft ? "start" : "resume")} needs a {Text(from)} campaign");
        }

        var errors = await d.StartCampaignAsync(campaign.Campaign.Id, c.Aborted).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            var byField = errors.GroupBy(e => e.Location, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
            var status = errors.All(e => e.Location == "campaign.state") ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
            return ApiProblems.Of(status, "Campaign not started", string.Join("; ", errors.Select(e => $"{e.Location}: {e.Message}")), byField);
        }

        return Json(View(campaign, d.Metrics, Time(c).GetUtcNow()));
    });

    public static Task<IResult> PauseAsync(ApiCall c) => ChangeAsync(c, CampaignState.Running, d => d.PauseCampaign);

    public static Task<IResult> StopAsync(ApiCall c) => ChangeAsync(c, null, d => d.FinishCampaign);

    private static Task<IResult> ChangeAsync(ApiCall c, CampaignState? from, Func<IDialerControl, Func<string, bool>> change) => WithDialer(c, d =>
    {
        var campaign = Campaign(c, d);
        var state = campaign.Campaign.State;
        var allowed = from is { } f ? state == f : state != CampaignState.Finished;
        return Task.FromResult(allowed && change(d)(campaign.Campaign.Id)
            ? Json(View(campaign, d.Metrics, Time(c).GetUtcNow()))
            : ApiProblems.Conflict($"campaign {campaign.Campaign.Id} is {Text(state)}"));
    });

    public static Task<IResult> ImportLeadsAsync(ApiCall c) => WithDialer(c, async d =>
    {
        var dialer = Campaign(c, d);
        var config = dialer.Campaign.Config;
        if (dialer.Campaign.State is not (CampaignState.Draft or CampaignState.Paused))
        {
            return ApiProblems.Conflict($"campaign {config.Id} is {Text(dialer.Campaign.State)}: pause it to import leads");
        }

        using var reader = new StreamReader(c.Http.Request.Body, leaveOpen: true);
        var options = new LeadImportOptions { DefaultRegion = config.DefaultRegion, PhoneColumn = c.Query("phoneColumn") ?? "phone" };
        var import = await LeadCsvImporter.ImportAsync(reader, options, c.Aborted).ConfigureAwait(false);
        if (import.FatalError is { } fatal)
        {
            throw new ApiValidationException("body", fatal);
        }

        var errors = import.Errors.Select(e => new LeadImportErrorView(e.Line, e.Message)).ToList();
        var (added, refusal, total) = dialer.WithCampaign(campaign =>
        {
            var numbers = campaign.Leads.Select(l => l.E164).ToHashSet(StringComparer.Ordinal);
            var ids = campaign.Leads.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            var batch = "api" + campaign.Leads.Count.ToString(CultureInfo.InvariantCulture) + "-";
            var leads = new List<Lead>();
            foreach (var lead in import.Leads)
            {
                if (!numbers.Add(lead.E164))
                {
                    errors.Add(new LeadImportErrorView(lead.SourceLine, $"{lead.E164} is already a lead of the campaign"));
                    continue;
                }

                // Ids stay unique within the campaign (attempt records and restores are keyed by lead id).
                leads.Add(ids.Add(lead.Id) ? lead : new Lead(batch + lead.Id, lead.E164, lead.TimeZones, lead.Fields, lead.SourceLine));
            }

            return (leads.Count, campaign.AddLeads(leads), campaign.Leads.Count);
        });
        if (refusal is not null)
        {
            return ApiProblems.Conflict(refusal);
        }

        var rejected = import.RejectedRows + (errors.Count - import.Errors.Count);
        if (rejected > 0)
        {
            d.Metrics.RejectedRows(config.Id, rejected);
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        return Results.Json(new LeadImportView(config.Id, added, rejected, errors, total), CampaignJson.Context.LeadImportView);
    });

    public static Task<IResult> AddDncAsync(ApiCall c) => WithDialer(c, async d =>
    {
        var dialer = Campaign(c, d);
        var body = await c.BodyAsync(CampaignJson.Context.DncRequest).ConfigureAwait(false);
        var e164 = Number(body.Number, "number", dialer.Campaign.Config.DefaultRegion);
        var how = "api:" + c.Principal.TokenName + (string.IsNullOrWhiteSpace(body.Note) ? "" : ": " + body.Note.Trim());
        var entry = (body.Scope ?? "optOut") switch
        {
            "optOut" => d.DoNotCall.OptOut(e164, dialer.Campaign.Id, how),
            "campaign" => Add(d.DoNotCall, new DncEntry(e164, DncSource.Campaign, dialer.Campaign.Id, Time(c).GetUtcNow(), how)),
            _ => throw new ApiValidationException("scope", "expected optOut or campaign"),
        };
        return Results.Json(DncOf(entry), CampaignJson.Context.DncView);
    });

    public static Task<IResult> RemoveDncAsync(ApiCall c) => WithDialer(c, d =>
    {
        var dialer = Campaign(c, d);
        var e164 = Number(Uri.UnescapeDataString(c.Path("number")), "number", dialer.Campaign.Config.DefaultRegion);
        if (d.RemoveDoNotCall(e164, dialer.Campaign.Id) is { } removed)
        {
            return Task.FromResult(Results.Json(DncOf(removed), CampaignJson.Context.DncView));
        }

        return Task.FromResult(d.DoNotCall.Find(e164, dialer.Campaign.Id) is { } kept
            ? ApiProblems.Conflict($"{e164} is on the {Text(kept.Source)} list, not the campaign's own: it is not removed through the API")
            : ApiProblems.NotFound($"{e164} is not on campaign {dialer.Campaign.Id}'s do-not-call list"));
    });

    public static Task<IResult> ComplianceAsync(ApiCall c) => WithDialer(c, d =>
    {
        var dialer = Campaign(c, d);
        var limit = c.Query("limit") is { } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= MaxJournal ? n : throw new ApiValidationException("limit", $"expected an integer from 0 to {MaxJournal}")
            : 100;
        var now = Time(c).GetUtcNow();
        var report = dialer.WithCampaign(campaign => campaign.Report(now));
        var journal = d.Journal().Where(r => r.CampaignId == dialer.Campaign.Id).ToList();
        var view = new ComplianceView(
            report.CampaignId, report.GeneratedAt, Abandon(report, dialer.Campaign.Config), Counts(report.Outcomes), Counts(report.Blocks), journal.Count,
            [.. journal.Skip(Math.Max(0, journal.Count - limit)).Select(r => new ComplianceEntryView(r.At, r.LeadId, r.E164, r.Allowed, Text(r.Rule), r.Reason))]);
        return Task.FromResult(Results.Json(view, CampaignJson.Context.ComplianceView));
    });

    public static Task<IResult> CallbacksAsync(ApiCall c) => WithCallbacks(c, callbacks =>
    {
        IReadOnlyList<CallbackView> list = [.. callbacks.Pending.Where(p => Sees(c, p)).Select(CallbackOf)];
        return Task.FromResult(Results.Json(list, CampaignJson.Context.IReadOnlyListCallbackView));
    });

    public static Task<IResult> ScheduleAsync(ApiCall c) => WithCallbacks(c, async callbacks =>
    {
        var body = await c.BodyAsync(CampaignJson.Context.CallbackBody).ConfigureAwait(false);
        var center = c.Service<ContactCenter>().Current;
        var e164 = Number(body.Number, "number", Dialer(c)!.DefaultRegion);
        var queue = string.IsNullOrWhiteSpace(body.Queue) ? throw new ApiValidationException("queue", "is required")
            : center.Routing.Queues.Any(q => q.Name == body.Queue) ? body.Queue
            : throw new ApiValidationException("queue", $"unknown queue '{body.Queue}' (known: {string.Join(", ", center.Routing.Queues.Select(q => q.Name))})");
        string? agent = null;
        if (!string.IsNullOrWhiteSpace(body.Agent))
        {
            agent = center.Agents.FirstOrDefault(a => a.Id == body.Agent || a.Extension == body.Agent)?.Id ?? throw new ApiValidationException("agent", $"unknown agent '{body.Agent}'");
        }
        else if (c.Principal.Role < ApiRole.Supervisor)
        {
            agent = c.Principal.Agent ?? throw new ApiForbiddenException("a token without an agent may not schedule callbacks");
        }

        if (!c.Principal.MayActOn(agent ?? string.Empty))
        {
            throw new ApiForbiddenException($"an agent token schedules callbacks for its own agent ({c.Principal.Agent}) only");
        }

        var now = Time(c).GetUtcNow();
        var at = body.At is null ? now
            : DateTimeOffset.TryParse(body.At, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
            : throw new ApiValidationException("at", "expected an ISO 8601 date-time");
        if (at > now + MaxAhead)
        {
            throw new ApiValidationException("at", "at most 31 days ahead");
        }

        var request = new CallbackRequest
        {
            Id = "cb-" + Guid.NewGuid().ToString("N")[..12],
            E164 = e164,
            Queue = queue,
            AgentId = agent,
            Kind = CallbackKind.Scheduled,
            At = at,
            Fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["callback"] = "scheduled", ["scheduled-by"] = c.Principal.TokenName },
        };
        return callbacks.Schedule(request) is { } refusal ? ApiProblems.Conflict(refusal) : Results.Json(CallbackOf(request), CampaignJson.Context.CallbackView);
    });

    public static Task<IResult> CancelAsync(ApiCall c) => WithCallbacks(c, callbacks =>
    {
        var id = c.Path("callbackId");
        var pending = callbacks.Pending.FirstOrDefault(p => p.Id == id && Sees(c, p));
        return Task.FromResult(pending is not null && callbacks.Cancel(id)
            ? Results.Json(CallbackOf(pending), CampaignJson.Context.CallbackView)
            : ApiProblems.NotFound($"no pending callback '{id}'"));
    });

    private static Task<IResult> WithCallbacks(ApiCall c, Func<CallbackDialer, Task<IResult>> action) =>
        Dialer(c)?.Callbacks is { } callbacks ? action(callbacks) : Task.FromResult(NoDialer());

    private static bool Sees(ApiCall c, CallbackRequest request) => c.Principal.Role >= ApiRole.Supervisor || (request.AgentId is { } a && c.Principal.MayActOn(a));

    private static DncEntry Add(IDoNotCallRegistry registry, DncEntry entry)
    {
        registry.Add(entry);
        return entry;
    }

    private static string Number(string? text, string field, string region)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ApiValidationException(field, "is required");
        }

        return PhoneNumberNormaliser.TryNormalise(text, region, out var number, out var error)
            ? number!.E164
            : throw new ApiValidationException(field, $"'{text}' is not a valid phone number: {error}");
    }

    internal static CampaignView View(CampaignDialer dialer, DialerMetrics metrics, DateTimeOffset now)
    {
        var (report, leads, remaining, pending) = dialer.WithCampaign(c => (c.Report(now), c.Leads.Count, c.Leads.Count(l => l.State != LeadState.Done), c.PendingLeads));
        var config = dialer.Campaign.Config;
        return new CampaignView(
            config.Id, Text(dialer.Campaign.State), Text(config.Mode), config.Queue, config.CallerId, config.Trunks, metrics.DialLevel(config.Id), dialer.LinesInProgress,
            Abandon(report, config), leads, remaining, pending, Counts(report.Outcomes), Counts(report.Blocks));
    }

    private static AbandonRateView Abandon(ComplianceReport report, CampaignConfig config) =>
        new(report.Window >= TimeSpan.FromDays(1) && report.Window.TotalDays % 1 == 0 ? $"{report.Window.TotalDays:0}d" : $"{report.Window.TotalHours:0.##}h",
            report.Window.TotalHours, report.LiveAnswered, report.Abandoned, Math.Round(report.AbandonRatio, 6), report.Limit, config.TargetAbandonRate, report.WithinLimit);

    private static Dictionary<string, long> Counts<T>(IReadOnlyDictionary<T, long> counts)
        where T : struct, Enum =>
        Enum.GetValues<T>().Where(k => counts.ContainsKey(k) || typeof(T) == typeof(CallOutcome)).ToDictionary(Text, k => counts.GetValueOrDefault(k), StringComparer.Ordinal);

    private static DncView DncOf(DncEntry entry) => new(entry.E164, Text(entry.Source), entry.CampaignId, entry.AddedAt, entry.Note);

    private static CallbackView CallbackOf(CallbackRequest r) => new(r.Id, r.E164, r.Queue, r.AgentId, Text(r.Kind), r.At);

    private static IResult Json(CampaignView view) => Results.Json(view, CampaignJson.Context.CampaignView);

    private static string Text<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}

/// <summary>The campaign endpoints' JSON contracts (same options as <see cref="ApiJson"/>).</summary>
internal static class CampaignJson
{
    public static readonly CampaignJsonContext Context = new(new JsonSerializerOptions(CampaignJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(CampaignView))]
[JsonSerializable(typeof(IReadOnlyList<CampaignView>))]
[JsonSerializable(typeof(LeadImportView))]
[JsonSerializable(typeof(DncRequest))]
[JsonSerializable(typeof(DncView))]
[JsonSerializable(typeof(ComplianceView))]
[JsonSerializable(typeof(CallbackBody))]
[JsonSerializable(typeof(CallbackView))]
[JsonSerializable(typeof(IReadOnlyList<CallbackView>))]
internal sealed partial class CampaignJsonContext : JsonSerializerContext;
