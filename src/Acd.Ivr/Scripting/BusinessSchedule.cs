using NodaTime;

namespace Acd.Ivr.Scripting;

/// <summary>
/// Opening hours in a tzdb time zone, per ISO day of week, with a holiday calendar. Windows are local wall-clock
/// times, so a 08:00-18:00 window stays 08:00-18:00 across daylight-saving changes.
/// </summary>
internal sealed class BusinessSchedule
{
    private readonly (LocalTime Start, LocalTime End, bool ToMidnight)[][] _days;
    private readonly HashSet<LocalDate> _holidays;

    public BusinessSchedule(string name, DateTimeZone zone, (LocalTime Start, LocalTime End, bool ToMidnight)[][] days, HashSet<LocalDate> holidays)
    {
        Name = name;
        Zone = zone;
        _days = days;
        _holidays = holidays;
    }

    public string Name { get; }

    public DateTimeZone Zone { get; }

    public bool IsHoliday(Instant now) => _holidays.Contains(now.InZone(Zone).Date);

    public bool IsOpen(Instant now)
    {
        var local = now.InZone(Zone).LocalDateTime;
        if (_holidays.Contains(local.Date))
        {
            return false;
        }

        var time = local.TimeOfDay;
        foreach (var (start, end, toMidnight) in _days[(int)local.DayOfWeek - 1])
        {
            if (time >= start && (toMidnight || time < end))
            {
                return true;
            }
        }

        return false;
    }
}
