using System.Globalization;
using Acd.Routing;
using Acd.Routing.Redis;
using StackExchange.Redis;

namespace Acd.Routing.Worker;

/// <summary>
/// One routing node in its own process: enqueues its share of calls into a Redis queue set, accepts and ends the
/// offers its own decisions produce (every seventh rejected), and prints one line per answered call:
/// "A|call|agent|answeredMs|endedMs", and "V|message" for any contract violation. Exit code 0 when done.
/// Usage: Acd.Routing.Worker connection prefix workerId calls queue1,queue2,...
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 5)
        {
            await Console.Error.WriteLineAsync("usage: connection prefix workerId calls queues");
            return 2;
        }

        var worker = args[2];
        var calls = int.Parse(args[3], CultureInfo.InvariantCulture);
        var queues = args[4].Split(',');
        await using var mux = await ConnectionMultiplexer.ConnectAsync(args[0]);
        var store = new RedisQueueStore(mux, new RedisRoutingOptions { KeyPrefix = args[1] }, TimeProvider.System);
        var pending = new Queue<RoutingEvent>();
        var output = new List<string>();
        var n = 0;

        void Take(RoutingResult r)
        {
            if (!r.Succeeded)
            {
                output.Add($"V|{r.Error}: {r.Reason}");
                return;
            }

            foreach (var o in r.Offers)
            {
                pending.Enqueue(o);
            }
        }

        async Task Drain()
        {
            while (pending.TryDequeue(out var offer))
            {
                if (++n % 7 == 0)
                {
                    Take(await store.CompleteReservationAsync(offer.CallId!, offer.AgentId!, ReservationOutcome.Rejected));
                    continue;
                }

                var accepted = await store.CompleteReservationAsync(offer.CallId!, offer.AgentId!, ReservationOutcome.Accepted);
                if (!accepted.Succeeded)
                {
                    output.Add($"V|accept {offer.CallId} by {offer.AgentId}: {accepted.Reason}");
                    continue;
                }

                var start = accepted.Events.First(e => e.Kind == RoutingEventKind.Answered).TimeMs;
                var ended = await store.EndCallAsync(offer.AgentId!);
                Take(ended);
                var end = ended.Events.FirstOrDefault(e => e.Kind == RoutingEventKind.Ended)?.TimeMs ?? -1;
                output.Add(string.Create(CultureInfo.InvariantCulture, $"A|{offer.CallId}|{offer.AgentId}|{start}|{end}"));
            }
        }

        for (var i = 0; i < calls; i++)
        {
            Take(await store.EnqueueAsync(new CallRequest { CallId = $"p{worker}-c{i}", Queue = queues[i % queues.Length], Node = "p" + worker }));
            if (i % 3 == 0)
            {
                await Drain();
            }
        }

        await Drain();
        foreach (var line in output)
        {
            Console.WriteLine(line);
        }

        return 0;
    }
}
