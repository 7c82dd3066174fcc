using Acd.Dialer.Campaigns;
using NodaTime;

namespace Acd.Dialer.Compliance;

/// <summary>A daily window [Start, End) of local time.</summary>
public sealed record DailyWindow(LocalTime Start, LocalTime End)
{
    public bool IsValid => Start < End;

    public bool Contains(LocalTime time) => time >= Start && time < End;
}

/// <summary>Why a call may or may not be placed now, and the earliest instant worth trying again.</summary>
public readonly record struct WindowDecision(bool Allowed, string Reason, Instant? NextOpen);

/// <summary>
/// Calling windows: the callee's local hours in every zone the number may be in (a number spanning several zones,
/// such as a US area code split between Central and Mountain, is allowed only when all of them are open: the most
/// restrictive window wins), the campaign's own hours, and its holidays. Zones come from the number
/// (libphonenumber), rules from tzdb (NodaTime), so DST moves the window with the callee's clock.
/// </summary>
public sealed class CallingWindowPolicy
{
    private static readonly Duration Step = Duration.FromMinutes(1);
    private readonly IDateTimeZoneProvider _zones;

    public CallingWindowPolicy(IDateTimeZoneProvider? zones = null)
    {
        _zones = zones ?? DateTimeZoneProviders.Tzdb;
    }

    public WindowDecision Check(CampaignConfig campaign, IReadOnlyList<string> calleeZones, Instant now)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(calleeZones);
        var reason = Closed(campaign, calleeZones, now, explain: true);
        return reason is null ? new WindowDecision(true, "open", now) : new WindowDecision(false, reason, NextOpen(campaign, calleeZones, now));
    }

    private string? Closed(CampaignConfig campaign, IReadOnlyList<string> calleeZones, Instant now, bool explain)
    {
        var campaignZone = _zones.GetZoneOrNull(campaign.TimeZone) ?? DateTimeZone.Utc;
        var local = now.InZone(campaignZone).LocalDateTime;
        if (campaign.Holidays.Contains(local.Date))
        {
            return explain ? $"holiday {local.Date:yyyy-MM-dd} in {campaign.TimeZone}" : "closed";
        }

        if (campaign.CampaignHours.Count > 0
            && (!campaign.CampaignHours.TryGetValue(local.DayOfWeek, out var hours) || !hours.Contains(local.TimeOfDay)))
        {
            return explain ? $"outside campaign hours ({local.DayOfWeek} {local.TimeOfDay:HH:mm} {campaign.TimeZone})" : "closed";
        }

        if (calleeZones.Count == 0)
        {
            return "callee time zone unknown";
        }

        foreach (var id in calleeZones)
        {
            var zone = _zones.GetZoneOrNull(id);
            if (zone is null)
            {
                return $"unknown callee time zone '{id}'";
            }

            var calleeTime = now.InZone(zone).TimeOfDay;
            if (!campaign.CalleeWindow.Contains(calleeTime))
            {
                return explain ? $"outside callee hours ({calleeTime:HH:mm} in {id})" : "closed";
            }
        }

        return null;
    }

    /// <summary>The next minute (within 8 days) at which every rule is open; null if none.</summary>
    private Instant? NextOpen(CampaignConfig campaign, IReadOnlyList<string> calleeZones, Instant now)
    {
        if (calleeZones.Count == 0 || calleeZones.Any(z => _zones.GetZoneOrNull(z) is null))
        {
            return null;
        }

        // Coarse walk over minutes (8 days = 11,520 steps at most), only when a call is refused.
        var t = Instant.FromUnixTimeTicks(now.ToUnixTimeTicks() / Step.BclCompatibleTicks * Step.BclCompatibleTicks) + Step;
        var limit = now + Duration.FromDays(8);
        for (; t < limit; t += Step)
        {
            if (Closed(campaign, calleeZones, t, explain: false) is null)
            {
                return t;
            }
        }

        return null;
    }
}
