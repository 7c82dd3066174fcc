using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Acd.Calls.Media;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Acd.Transport.Clock;
using Acd.Transport.Rtp;
using Acd.Benchmarks.Shared;

namespace Acd.Benchmarks.Ivr;

/// <summary>
/// N concurrent IVR calls on real media: each call is an <c>RtpSession</c> (pooled port pair, receive loops, RTCP,
/// paced by the real <c>PacingClock</c>) sending to an in-process UDP sink, with a <see cref="MediaLegIvrChannel"/>
/// running an IVR session of a menu script over the sample prompts. Digits are injected on a per-call schedule
/// through the leg (SIP INFO path: leg -> DigitReceived -> session), so calls barge into prompts, walk menus,
/// time out and hang up (a call that ends starts again on the same leg). Then, in the same run, the same N legs
/// play a looped prompt without the IVR as the baseline. Reports send-time error p50/p99/p99.9 and skipped frames
/// (late prompts) from the clock's wheels, prompts started/finished per second and CPU per 1,000 calls.
/// Usage: ivr-media-load [--calls 1000] [--seconds 30] [--warmup 5] [--threads cores] [--slot-ms 2000] [--nice N] [--settle] [--no-baseline] [--digits info|rfc4733] [--alloc-types]
/// (<c>--nice</c>: the pacing threads' Linux nice value, default the clock's own; <c>--settle</c>: a full GC at the
/// end of each warm-up, so the measured window sees the steady state instead of the one-off promotion of the 1,000
/// calls' set-up; <c>--digits rfc4733</c>: keys arrive as RFC 4733 telephone-event packets through the leg's RTP
/// receive path, as most phones send them, instead of SIP INFO bodies, whose text parsing allocates; <c>--alloc-types</c>: also print which types the IVR window allocates, sampled from the runtime's allocation ticks).
/// </summary>
public sealed class IvrMediaLoadTool : IBenchTool
{
    // Every path loops back through input, so calls keep moving; 'bye' ends a call after three failed menus.
    private const string Script = """
        name: ivr-media-load
        start: welcome
        nodes:
          welcome:
            kind: play
            prompts: welcome
            barge_in: true
            next: menu
          menu:
            kind: menu
            prompt: main-menu
            options: { "1": account, "9": welcome }
            timeout: 3s
            timeout_prompt: no-input
            invalid_prompt: invalid-option
            max_retries: 3
            on_failure: bye
          account:
            kind: collect
            prompt: enter-account
            min_digits: 4
            max_digits: 4
            first_digit_timeout: 5s
            inter_digit_timeout: 3s
            variable: account
            next: menu
            on_failure: menu
          bye:
            kind: hangup
            prompts: goodbye
        """;

    // One call's keypad, one entry per slot, its keys pressed together ("" = silence): barge into welcome, listen to the
    // menu, enter an account, back to welcome, an invalid key, and silences long enough for the menu to time out.
    private static readonly string[] Keypad = ["", "", "9", "", "", "1", "2468", "", "", "7", "", "", "", "", "", ""];

    private const byte TelephoneEventType = 101;

    public string Name => "ivr-media-load";

    public string Description => "N concurrent IVR calls on RtpSessions + PacingClock with scheduled digits: send error p50/p99/p99.9, skipped frames, prompts/s, CPU per 1,000 calls; looped-prompt baseline";

    public int Run(string[] args)
    {
        var calls = int.Parse(ToolArgs.Option(args, "--calls", "1000"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(ToolArgs.Option(args, "--seconds", "30"), CultureInfo.InvariantCulture);
        var warmup = double.Parse(ToolArgs.Option(args, "--warmup", "5"), CultureInfo.InvariantCulture);
        var threads = int.Parse(ToolArgs.Option(args, "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var digitEvery = TimeSpan.FromMilliseconds(double.Parse(ToolArgs.Option(args, "--slot-ms", "2000"), CultureInfo.InvariantCulture));
        var niceness = int.Parse(ToolArgs.Option(args, "--nice", PacingClock.DefaultNiceness.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        using var sampler = args.Contains("--alloc-types") ? new AllocationSampler() : null;
        var settle = args.Contains("--settle");
        var rfc4733 = ToolArgs.Option(args, "--digits", "info") switch
        {
            "info" => false,
            "rfc4733" => true,
            var other => throw new ArgumentException($"--digits {other}: info or rfc4733"),
        };

        var promptDir = Path.Combine(IvrBenchSupport.RepoRoot(), "ivr-scripts", "prompts");
        var load = IvrScriptLoader.Load("ivr-media-load.yaml", Script, IvrPromptLibrary.FromDirectory(promptDir), DateTimeOffset.UtcNow);
        var script = load.Script ?? throw new InvalidOperationException(string.Join(Environment.NewLine, load.Diagnostics));
        var cache = new PromptCache();
        var loop = cache.Get(Path.Combine(promptDir, "main-menu.wav")).Prompt ?? throw new InvalidOperationException("main-menu.wav");

        Console.WriteLine($"# ivr-media-load {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, {calls} calls, {threads} pacing threads, {seconds} s measured after {warmup} s warm-up, a keypad slot every {digitEvery.TotalMilliseconds} ms per call ({(rfc4733 ? "RFC 4733" : "SIP INFO")} digits; slots {string.Join(",", Keypad.Select(k => k.Length == 0 ? "-" : k))})");
        using var sink = new UdpSink();
        using var mediaMetrics = new MediaMetrics();
        using var clock = new PacingClock(TimeProvider.System, mediaMetrics, threads: threads, niceness: niceness);
        var pool = new RtpPortPool(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = 42000, MaxPort = 42000 + (4 * calls) + 2 });
        var factory = new RtpSessionFactory(pool, clock, new RtpSessionOptions(), TimeProvider.System, mediaMetrics, new Random(3));
        var random = new Random(5);
        var sessions = new List<RtpSession>(calls);
        try
        {
            for (var i = 0; i < calls; i++)
            {
                var session = factory.Create("ivr-load") ?? throw new InvalidOperationException("RTP port range exhausted");
                session.Apply(new NegotiatedMedia
                {
                    Codec = random.Next(2) == 0 ? G711Law.MuLaw : G711Law.ALaw,
                    Direction = SdpDirection.SendRecv,
                    TelephoneEventPayloadType = TelephoneEventType,
                    Remote = sink.EndPoint,
                });
                sessions.Add(session);
            }

            clock.Start();
            SpinWait.SpinUntil(() => clock.ThreadNiceness is not null, TimeSpan.FromSeconds(1));
            Console.WriteLine($"# pacing threads: nice {clock.ThreadNiceness?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} (asked {niceness}); GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, latency mode {System.Runtime.GCSettings.LatencyMode} (Batch: no background GC){(settle ? ", settled after set-up" : "")}");
            var ivr = RunIvr(sessions, clock, sink, script, cache, seconds, warmup, digitEvery, rfc4733, sampler, settle);
            var baseline = args.Contains("--no-baseline") ? null : RunLooped(sessions, clock, sink, loop, seconds, warmup, settle);

            Console.WriteLine();
            Console.WriteLine("| run | calls | packets/s at sink | CPU cores | CPU % of a core per 1,000 calls | send error p50 ms | p99 ms | p99.9 ms | max ms | skipped frames (late) | prompts started/s | prompts finished/s (completed / cancelled / stopped) | digits/s | IVR node visits/s | calls ended | allocated KB/s | GCs gen0/1/2 | GC pause ms | loop stalls >= 20 ms (during a GC) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Print("IVR on real media (RtpSession + PacingClock + MediaLegIvrChannel)", calls, ivr);
            if (baseline is not null)
            {
                Print("baseline: same legs, looped prompt, no IVR", calls, baseline);
            }

            Console.WriteLine();
            Console.WriteLine($"Last GC in the IVR window: {ivr.LastGc}; in the baseline window: {baseline?.LastGc ?? "not run"}");
            if (baseline is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU ratio IVR / looped-prompt baseline: {ivr.Cores / Math.Max(1e-9, baseline.Cores):F2}"));
            }
            return 0;
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

    private static Result RunIvr(List<RtpSession> sessions, PacingClock clock, UdpSink sink, IvrScript script, PromptCache cache, double seconds, double warmup, TimeSpan digitEvery, bool rfc4733, AllocationSampler? sampler, bool settle)
    {
        using var ivrMetrics = new IvrMetrics();
        using var mediaMetrics = new IvrMediaMetrics();
        var engine = new IvrEngine(TimeProvider.System, ivrMetrics);
        var counters = new Counters();
        using var listener = counters.Listen();
        var observer = new StartCounter(counters);
        var options = new IvrMediaOptions { RecordingDirectory = Path.Combine(Path.GetTempPath(), "acd-ivr-media-load") };
        using var stop = new CancellationTokenSource();
        var channels = sessions.Select(s => new MediaLegIvrChannel(s.Leg, cache, options, TimeProvider.System, mediaMetrics)).ToArray();
        var calls = channels.Select((c, i) => RunCallsAsync(engine, script, c, i, observer, counters, stop.Token)).ToArray();
        var keypad = Task.Run(() => PressKeysAsync(channels, digitEvery, rfc4733, counters, stop.Token));
        try
        {
            return Measure(sessions, clock, sink, counters, seconds, warmup, settle, sampler);
        }
        finally
        {
            stop.Cancel();
            Task.WhenAll([.. calls, keypad]).GetAwaiter().GetResult();
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private static async Task RunCallsAsync(IvrEngine engine, IvrScript script, MediaLegIvrChannel channel, int index, IvrObserver observer, Counters counters, CancellationToken stop)
    {
        await Task.Yield();
        for (var call = 0; !stop.IsCancellationRequested; call++)
        {
            var session = engine.CreateSession(script, new IvrCallInfo($"load-{index}-{call}", "+15550100", "100"), channel, NoQueues.Instance, observer);
            channel.Attach(session);
            try
            {
                await session.RunAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref counters.CallsEnded);
        }
    }

    // One paced loop presses the next key of each call's pattern when that call's slot comes round (calls spread evenly).
    private static async Task PressKeysAsync(MediaLegIvrChannel[] channels, TimeSpan every, bool rfc4733, Counters counters, CancellationToken stop)
    {
        var packet = new byte[RtpPacket.HeaderSize + TelephoneEvent.Size];
        var sequence = new ushort[channels.Length];
        var step = TimeSpan.FromMilliseconds(20);
        var slots = Math.Max(1, (int)(every / step));
        var bodies = Enumerable.Range(0, 16).Select(d => Encoding.ASCII.GetBytes($"Signal={"0123456789*#ABCD"[d]}\r\nDuration=160\r\n")).ToArray();
        var next = new int[channels.Length];
        using var timer = new PeriodicTimer(step);
        long tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var slot = (int)(tick++ % slots);
                for (var i = slot; i < channels.Length; i += slots)
                {
                    foreach (var key in Keypad[next[i]++ % Keypad.Length])
                    {
                        var code = "0123456789*#ABCD".IndexOf(key, StringComparison.Ordinal);
                        if (rfc4733)
                        {
                            // The first packet of a digit (a new event timestamp) is the one that reports it.
                            var seq = sequence[i]++;
                            new TelephoneEvent((byte)code, false, 10, 160).Write(packet.AsSpan(RtpPacket.HeaderSize));
                            RtpPacket.WriteHeader(packet, TelephoneEventType, true, seq, seq * 1600u, 0xD1D1D1D1);
                            channels[i].Leg.OnRtp(packet, Stopwatch.GetTimestamp());
                        }
                        else
                        {
                            channels[i].Leg.OnSipInfo("application/dtmf-relay", bodies[code]);
                        }

                        Interlocked.Increment(ref counters.Digits);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    private static Result RunLooped(List<RtpSession> sessions, PacingClock clock, UdpSink sink, Prompt prompt, double seconds, double warmup, bool settle)
    {
        foreach (var session in sessions)
        {
            session.Leg.Play(new PromptPlayer([prompt], loop: true));
        }

        try
        {
            return Measure(sessions, clock, sink, new Counters(), seconds, warmup, settle);
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Leg.Stop();
            }
        }
    }

    private static Result Measure(List<RtpSession> sessions, PacingClock clock, UdpSink sink, Counters counters, double seconds, double warmup, bool settle, AllocationSampler? sampler = null)
    {
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        if (settle)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Thread.Sleep(100); // the pacing threads note the collection's stall before the window starts
        }

        foreach (var wheel in clock.Wheels)
        {
            wheel.Lateness.Reset();
        }

        var missed0 = sessions.Sum(s => s.PacingHandle?.MissedFrames ?? 0);
        var stalls0 = clock.Stalls;
        var snapshot0 = counters.Snapshot();
        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var received0 = sink.Received;
        var allocated0 = GC.GetTotalAllocatedBytes();
        int[] gcs0 = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var pause0 = GC.GetTotalPauseDuration();
        sampler?.Start();
        var sw = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var elapsed = sw.Elapsed.TotalSeconds;
        sampler?.StopAndPrint("IVR window");
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var received = sink.Received - received0;
        var allocated = GC.GetTotalAllocatedBytes() - allocated0;
        var gcs = $"{GC.CollectionCount(0) - gcs0[0]}/{GC.CollectionCount(1) - gcs0[1]}/{GC.CollectionCount(2) - gcs0[2]}";
        var pause = GC.GetTotalPauseDuration() - pause0;
        var lastGc = "none";
        if (GC.CollectionCount(0) != gcs0[0])
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            lastGc = string.Create(CultureInfo.InvariantCulture,
                $"gen{info.Generation}{(info.Concurrent ? " background" : "")}, pause {info.PauseDurations[0].TotalMilliseconds:F1} ms, promoted {info.PromotedBytes / 1048576.0:F1} MB, heap {info.HeapSizeBytes / 1048576.0:F0} MB, {(info.Compacted ? "compacting" : "sweeping")}");
        }

        var delta = counters.Snapshot() - snapshot0;
        var missed = sessions.Sum(s => s.PacingHandle?.MissedFrames ?? 0) - missed0;
        var stalls = clock.Stalls;
        var wheels = clock.Wheels.Select(w => w.Lateness).ToArray();

        // Percentiles over all wheels: the worst wheel's value is an upper bound of the merged percentile.
        return new Result(received / elapsed, cpu / elapsed,
            wheels.Max(h => h.Percentile(0.5)), wheels.Max(h => h.Percentile(0.99)), wheels.Max(h => h.Percentile(0.999)), wheels.Max(h => h.Max),
            missed, delta.Scale(1 / elapsed), delta.CallsEnded, allocated / elapsed, gcs, pause.TotalMilliseconds, lastGc,
            $"{stalls.Count - stalls0.Count} ({stalls.DuringGc - stalls0.DuringGc})");
    }

    private static void Print(string name, int calls, Result r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {calls} | {r.ReceivedPerSecond:F0} | {r.Cores:F2} | {r.Cores * 100 * 1000 / calls:F1} | {r.P50 * 1000:F2} | {r.P99 * 1000:F2} | {r.P999 * 1000:F2} | {r.Max * 1000:F2} | {r.Skipped} | {r.Rates.Started:F1} | {r.Rates.Completed + r.Rates.Cancelled + r.Rates.Stopped:F1} ({r.Rates.Completed:F1} / {r.Rates.Cancelled:F1} / {r.Rates.Stopped:F1}) | {r.Rates.Digits:F1} | {r.Rates.Visits:F1} | {r.CallsEnded:F0} | {r.AllocatedPerSecond / 1024:F0} | {r.Gcs} | {r.GcPauseMs:F1} | {r.Stalls} |"));

    private sealed record Result(double ReceivedPerSecond, double Cores, double P50, double P99, double P999, double Max, long Skipped, Snapshot Rates, double CallsEnded, double AllocatedPerSecond, string Gcs, double GcPauseMs, string LastGc, string Stalls);

    private readonly record struct Snapshot(double Started, double Completed, double Cancelled, double Stopped, double Digits, double Visits, double CallsEnded)
    {
        public static Snapshot operator -(Snapshot a, Snapshot b) =>
            new(a.Started - b.Started, a.Completed - b.Completed, a.Cancelled - b.Cancelled, a.Stopped - b.Stopped, a.Digits - b.Digits, a.Visits - b.Visits, a.CallsEnded - b.CallsEnded);

        public Snapshot Scale(double k) => new(Started * k, Completed * k, Cancelled * k, Stopped * k, Digits * k, Visits * k, CallsEnded);
    }

    /// <summary>Counts from the real instruments (Acd.Calls prompt endings, Acd.Ivr node visits) and the load's own keys.</summary>
    private sealed class Counters
    {
        public long Started;
        public long Completed;
        public long Cancelled;
        public long Stopped;
        public long Digits;
        public long Visits;
        public long CallsEnded;

        public Snapshot Snapshot() => new(Interlocked.Read(ref Started), Interlocked.Read(ref Completed), Interlocked.Read(ref Cancelled), Interlocked.Read(ref Stopped), Interlocked.Read(ref Digits), Interlocked.Read(ref Visits), Interlocked.Read(ref CallsEnded));

        public MeterListener Listen()
        {
            var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Name is "acd_ivr_media_prompts_total" or "acd_ivr_node_visits_total")
                    {
                        l.EnableMeasurementEvents(instrument, this);
                    }
                },
            };
            listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, state) =>
            {
                var self = (Counters)state!;
                if (instrument.Name == "acd_ivr_node_visits_total")
                {
                    Interlocked.Add(ref self.Visits, value);
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "end")
                    {
                        switch (tag.Value as string)
                        {
                            case "completed": Interlocked.Add(ref self.Completed, value); break;
                            case "cancelled": Interlocked.Add(ref self.Cancelled, value); break;
                            default: Interlocked.Add(ref self.Stopped, value); break;
                        }
                    }
                }
            });
            listener.Start();
            return listener;
        }
    }

    private sealed class StartCounter(Counters counters) : IvrObserver
    {
        public override void PromptsStarted(IvrSession session, IReadOnlyList<IvrPrompt> prompts) => Interlocked.Increment(ref counters.Started);
    }

    private sealed class NoQueues : IIvrQueueInfo
    {
        public static readonly NoQueues Instance = new();

        public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new IvrQueueStatus(TimeSpan.FromSeconds(30), 1, 0));
    }
}
