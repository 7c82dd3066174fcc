using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Acd.Transport.Clock;
using Acd.Transport.Rtp;
using Acd.Benchmarks.Shared;

namespace Acd.Benchmarks.Media;

/// <summary>
/// N concurrent legs, each with its own UDP socket, each playing a prompt in a loop, paced by one timer-wheel
/// thread to a UDP sink in the same process. Reports packets/s, CPU per 1,000 legs and the send-time error
/// distribution, then runs a bare-UDP baseline (same sockets, same packet rate, a plain paced loop of SendTo with no
/// RTP, scheduler or player) and gives the CPU ratio.
/// Usage: media-load [--legs 2000] [--seconds 20] [--warmup 3] [--threads cores] [--prompt path.wav]
/// </summary>
/// <remarks>
/// Three runs with the same leg count and threads: the production path (<c>RtpSessionFactory</c> sessions on a
/// pooled RTP/RTCP port pair with their receive loops and RTCP, paced by the real <c>PacingClock</c>); the media
/// path alone (legs on timer wheels driven by plain loops, one socket each, no receive loops or RTCP); and the
/// bare-UDP baseline.
/// </remarks>
public sealed class MediaLoadTool : IBenchTool
{
    public string Name => "media-load";

    public string Description => "N legs playing a looped prompt to a UDP sink: packets/s, CPU per 1,000 legs, p99 send-time error; bare UDP baseline";

    public int Run(string[] args)
    {
        var legs = int.Parse(ToolArgs.Option(args, "--legs", "2000"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(ToolArgs.Option(args, "--seconds", "20"), CultureInfo.InvariantCulture);
        var warmup = double.Parse(ToolArgs.Option(args, "--warmup", "3"), CultureInfo.InvariantCulture);
        var promptPath = ToolArgs.Option(args, "--prompt", string.Empty);
        var threads = int.Parse(ToolArgs.Option(args, "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        var prompt = promptPath.Length > 0
            ? new PromptCache().Get(promptPath).Prompt ?? throw new InvalidOperationException($"Cannot load {promptPath}")
            : ToneGenerator.Build(new ToneSpec("load", 440, 620, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)));

        Console.WriteLine($"# media-load {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, {legs} legs, {threads} pacing threads, {seconds} s measured after {warmup} s warm-up, prompt {prompt.Name} ({prompt.Duration.TotalSeconds:F1} s, looped)");
        using var sink = new UdpSink();
        var sockets = new Socket[legs];
        for (var i = 0; i < legs; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        try
        {
            var production = RunSessions(legs, sink, prompt, seconds, warmup, threads);
            var media = RunMedia(sockets, sink, prompt, seconds, warmup, threads);
            var bare = RunBare(sockets, sink, seconds, warmup, threads);
            Console.WriteLine();
            Console.WriteLine("| run | legs | packets/s sent | packets/s at sink | CPU cores | CPU % of a core per 1,000 legs | send error p50 ms | p99 ms | p99.9 ms | max ms | skipped frames (stalls) | allocated B/packet | gen0 GCs |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Print("production path (RtpSession + PacingClock, receive loops, RTCP)", legs, production);
            Print("media (RTP legs, timer wheel, prompt player)", legs, media);
            Print("bare UDP baseline (paced SendTo only)", legs, bare);
            Console.WriteLine();
            Console.WriteLine($"CPU ratio production path / bare UDP: {production.Cores / Math.Max(1e-9, bare.Cores):F2}");
            Console.WriteLine($"CPU ratio media / bare UDP: {media.Cores / Math.Max(1e-9, bare.Cores):F2}");
            return 0;
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private static void Print(string name, int legs, Result r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {legs} | {r.SentPerSecond:F0} | {r.ReceivedPerSecond:F0} | {r.Cores:F2} | {r.Cores * 100 * 1000 / legs:F1} | {r.P50 * 1000:F2} | {r.P99 * 1000:F2} | {r.P999 * 1000:F2} | {r.Max * 1000:F2} | {r.Skipped} | {r.BytesPerPacket:F2} | {r.Gen0Collections} |"));

    private static Result RunSessions(int legs, UdpSink sink, Prompt prompt, double seconds, double warmup, int threads)
    {
        using var metrics = new MediaMetrics();
        using var clock = new PacingClock(TimeProvider.System, metrics, threads: threads);
        var pool = new RtpPortPool(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = 30000, MaxPort = 30000 + (4 * legs) + 2 });
        var factory = new RtpSessionFactory(pool, clock, new RtpSessionOptions(), TimeProvider.System, metrics, new Random(3));
        var random = new Random(5);
        var sessions = new List<RtpSession>(legs);
        try
        {
            for (var i = 0; i < legs; i++)
            {
                var session = factory.Create("load") ?? throw new InvalidOperationException("RTP port range exhausted");
                session.Apply(new NegotiatedMedia
                {
                    Codec = random.Next(2) == 0 ? G711Law.MuLaw : G711Law.ALaw,
                    Direction = SdpDirection.SendRecv,
                    Remote = sink.EndPoint,
                });
                session.Leg.Play(new PromptPlayer([prompt], loop: true));
                sessions.Add(session);
            }

            clock.Start();
            var received0 = sink.Received;
            var result = Measure([.. clock.Wheels.Select(w => w.Lateness)], () => sink.Received - received0, sink, seconds, warmup, []);
            return result with { Skipped = sessions.Sum(x => x.PacingHandle?.MissedFrames ?? 0) };
        }
        finally
        {
            clock.Dispose();
            foreach (var session in sessions)
            {
                session.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private static Result RunMedia(Socket[] sockets, UdpSink sink, Prompt prompt, double seconds, double warmup, int threads)
    {
        using var metrics = new MediaMetrics();
        var wheels = Enumerable.Range(0, threads).Select(_ => new MediaScheduler(Stopwatch.Frequency)).ToArray();
        var random = new Random(3);
        var handles = new List<PacedStreamHandle>(sockets.Length);
        var counters = wheels.Select(_ => new SendCounter()).ToArray();
        var sinkAddress = sink.EndPoint.Serialize();
        for (var i = 0; i < sockets.Length; i++)
        {
            var wheel = i % threads; // least loaded = round robin when all legs start together
            var leg = new MediaLeg("load", RtpSendStream.Create(random), metrics);
            leg.Configure(new NegotiatedMedia { Codec = random.Next(2) == 0 ? G711Law.MuLaw : G711Law.ALaw, Direction = SdpDirection.SendRecv });
            leg.Sink = new SocketSink(sockets[i], sinkAddress, counters[wheel]);
            leg.Play(new PromptPlayer([prompt], loop: true));
            handles.Add(wheels[wheel].Add(leg));
        }

        var loops = wheels.Select<MediaScheduler, Action>(w => () => w.RunDue(Stopwatch.GetTimestamp())).ToArray();
        var result = Measure(wheels.Select(w => w.Lateness).ToArray(), () => counters.Sum(c => c.Sent), sink, seconds, warmup, loops);
        return result with { Skipped = handles.Sum(h => h.MissedFrames) };
    }

    private static Result RunBare(Socket[] sockets, UdpSink sink, double seconds, double warmup, int threads)
    {
        // One datagram per socket per 20 ms, spread over the period in 1 ms groups like the wheels, same threads.
        var address = sink.EndPoint.Serialize();
        var period = Stopwatch.Frequency / 50;
        var slotWidth = period / 20;
        var histograms = new LatencyHistogram[threads];
        var sent = new long[threads];
        var loops = new Action[threads];
        for (var t = 0; t < threads; t++)
        {
            var shard = t;
            var histogram = histograms[t] = new LatencyHistogram();
            var datagram = new byte[172];
            var next = Stopwatch.GetTimestamp();
            var slot = 0;
            loops[t] = () =>
            {
                var now = Stopwatch.GetTimestamp();
                while (next <= now)
                {
                    for (var i = (slot * threads) + shard; i < sockets.Length; i += 20 * threads)
                    {
                        sockets[i].SendTo(datagram, SocketFlags.None, address);
                        sent[shard]++;
                    }

                    histogram.Record((now - next) / (double)Stopwatch.Frequency);
                    next += slotWidth;
                    slot = (slot + 1) % 20;
                }
            };
        }

        return Measure(histograms, () => sent.Sum(), sink, seconds, warmup, loops);
    }

    private static Result Measure(LatencyHistogram[] histograms, Func<long> sentCounter, UdpSink sink, double seconds, double warmup, Action[] runDue)
    {
        var stop = false;
        var threads = runDue.Select((run, i) => new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                run();
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = $"media-load-clock-{i}", Priority = ThreadPriority.Highest }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        foreach (var histogram in histograms)
        {
            histogram.Reset();
        }

        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var allocated0 = GC.GetTotalAllocatedBytes();
        var gcs0 = GC.CollectionCount(0);
        var sent0 = sentCounter();
        var received0 = sink.Received;
        var sw = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var elapsed = sw.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var received = sink.Received - received0;
        var sent = sentCounter() - sent0;
        var allocated = GC.GetTotalAllocatedBytes() - allocated0;
        var gcs = GC.CollectionCount(0) - gcs0;
        Volatile.Write(ref stop, true);
        foreach (var thread in threads)
        {
            thread.Join();
        }

        // Percentiles over all wheels: the worst wheel's value is an upper bound of the merged percentile.
        return new Result(sent / elapsed, received / elapsed, cpu / elapsed,
            histograms.Max(h => h.Percentile(0.5)), histograms.Max(h => h.Percentile(0.99)), histograms.Max(h => h.Percentile(0.999)), histograms.Max(h => h.Max), 0, (double)allocated / Math.Max(1, sent), gcs);
    }

    private sealed record Result(double SentPerSecond, double ReceivedPerSecond, double Cores, double P50, double P99, double P999, double Max, long Skipped, double BytesPerPacket, int Gen0Collections);

    private sealed class SendCounter
    {
        private long _sent;

        public long Sent => Volatile.Read(ref _sent);

        public void Add() => _sent++; // the pacing thread is the only writer
    }

    private sealed class SocketSink(Socket socket, SocketAddress remote, SendCounter counter) : IRtpSink
    {
        public void SendRtp(ReadOnlySpan<byte> datagram)
        {
            socket.SendTo(datagram, SocketFlags.None, remote);
            counter.Add();
        }
    }
}
