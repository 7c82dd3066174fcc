using Acd.Ivr.Runtime;
using Acd.Ivr.Simulation;

namespace Acd.Ivr.Tests;

/// <summary>Business hours are local wall-clock windows in a tzdb zone: they move with daylight saving, and holidays close them.</summary>
public class BusinessHoursTests
{
    private static readonly Lazy<Scripting.IvrScript> Script = new(() => TestScripts.Compile("""
        start: route
        hours:
          office:
            timezone: America/New_York
            open:
              mon-fri: "08:00-18:00"
              sat: "09:00-13:00"
            holidays: [2026-11-26, 2026-12-25]
          night:
            timezone: America/New_York
            open:
              daily: "01:00-03:00, 22:00-24:00"
        nodes:
          route:
            kind: branch
            cases:
              - if: holiday('office')
                goto: holiday
              - if: business_hours('office')
                goto: open
              - if: business_hours('night')
                goto: night
            else: closed
          holiday:
            kind: queue
            queue: holiday
          open:
            kind: queue
            queue: open
          night:
            kind: queue
            queue: night
          closed:
            kind: queue
            queue: closed
        """));

    [Theory]
    // Friday before the spring-forward (EST, UTC-5): 12:30Z is 07:30 local, closed.
    [InlineData("2026-03-06T12:30:00Z", "closed")]
    // Monday after it (EDT, UTC-4): the same 12:30Z is 08:30 local, open.
    [InlineData("2026-03-09T12:30:00Z", "open")]
    // Last Friday of EDT: 12:30Z is 08:30, open; first Monday of EST: 12:30Z is 07:30, closed.
    [InlineData("2026-10-30T12:30:00Z", "open")]
    [InlineData("2026-11-02T12:30:00Z", "closed")]
    // Window edges: start inclusive, end exclusive.
    [InlineData("2026-11-23T13:00:00Z", "open")]
    [InlineData("2026-11-23T22:59:59Z", "open")]
    [InlineData("2026-11-23T23:00:00Z", "closed")]
    [InlineData("2026-11-24T03:00:00Z", "night")]
    [InlineData("2026-11-24T04:59:59Z", "night")]
    // Saturday 09:00-13:00 EST.
    [InlineData("2026-11-28T14:30:00Z", "open")]
    [InlineData("2026-11-28T18:00:00Z", "closed")]
    // Sunday: closed all day.
    [InlineData("2026-11-29T15:00:00Z", "closed")]
    // Thanksgiving (a Thursday) and Christmas are holidays all local day, from local midnight.
    [InlineData("2026-11-26T15:00:00Z", "holiday")]
    [InlineData("2026-11-26T05:00:00Z", "holiday")]
    [InlineData("2026-11-26T04:59:59Z", "night")]
    [InlineData("2026-11-25T15:00:00Z", "open")]
    [InlineData("2026-12-25T15:00:00Z", "holiday")]
    // Spring-forward night (2026-03-08): 01:59 EST is inside 01:00-03:00; one second later it is 03:00 EDT, outside.
    [InlineData("2026-03-08T06:59:59Z", "night")]
    [InlineData("2026-03-08T07:00:00Z", "closed")]
    // Fall-back night (2026-11-01): 01:30 happens twice (EDT, then EST), both inside; 03:00 EST is outside.
    [InlineData("2026-11-01T05:30:00Z", "night")]
    [InlineData("2026-11-01T06:30:00Z", "night")]
    [InlineData("2026-11-01T08:00:00Z", "closed")]
    public async Task BusinessHours_AroundDstAndHolidays_RoutesByLocalTime(string utc, string expected)
    {
        var simulation = await IvrSimulator.RunAsync(Script.Value, new IvrSimulationOptions { At = DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(expected, Assert.IsType<IvrQueueOutcome>(simulation.Result.Outcome).Queue);
    }
}
