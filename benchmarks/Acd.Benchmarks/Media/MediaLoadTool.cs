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

namespace Acd.Benchmarks.Media;

/// <summary>
/// N concurrent legs, each with its own UDP socket, each playing a prompt in a loop, paced by one timer-wheel
/// thread to a UDP sink in the same process. Reports packets/s, CPU per 1,000 legs and the send-time error
/// distribution, then runs a bare-UDP baseline (same sockets, same packet rate, a plain paced loop of SendTo with no
/// RTP, scheduler or player) and gives the CPU ratio.
/// Usage: media-load [--legs 2000] [--seconds 20] [--warmup 3] [--prompt path.wav]
/// </summary>
/// <remarks>
/// The benchmark project does not reference Acd.Transport, so the pacing loop here is the same few lines as
/// <c>Acd.Transport.Clock.PacingClock.Run</c> (RunDue, then Sleep(1)) and the sink is the same SendTo(span,
/// SocketAddress) that <c>RtpSession.SendRtp</c> does.
/// </remarks>
public sealed class MediaLoadTool : IBenchTool
{
    public string Name => "media-load";

    public string Description => "N legs playing a looped prompt to a UDP sink: packets/s, CPU per 1,000 legs, p99 send-time error; bare UDP baseline";

    public int Run(string[] args)
    {
        var legs = int.Parse(Option(args, "--legs", "2000"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Option(args, "--seconds", "20"), CultureInfo.InvariantCulture);
        var warmup = double.Parse(Option(args, "--warmup", "3"), CultureInfo.InvariantCulture);
        var promptPath = Option(args, "--prompt", string.Empty);

        var prompt = promptPath.Length > 0
            ? new PromptCache().Get(promptPath).Prompt ?? throw new InvalidOperationException($"Cannot load {promptPath}")
            : ToneGenerator.Build(new ToneSpec("load", 440, 620, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)));

        Console.WriteLine($"# media-load {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, {legs} legs, {seconds} s measured after {warmup} s warm-up, prompt {prompt.Name} ({prompt.Duration.TotalSeconds:F1} s, looped)");
        using var sink = new UdpSink();
        var sockets = new Socket[legs];
        for (var i = 0; i < legs; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        try
        {
            var media = RunMedia(sockets, sink, prompt, seconds, warmup);
            var bare = RunBare(sockets, sink, seconds, warmup);
            Console.WriteLine();
            Console.WriteLine("| run | legs | packets/s sent | packets/s at sink | CPU cores | CPU % of a core per 1,000 legs | send error p50 ms | p99 ms | p99.9 ms | max ms | skipped frames (stalls) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Print("media (RTP legs, timer wheel, prompt player)", legs, media);
            Print("bare UDP baseline (paced SendTo only)", legs, bare);
            Console.WriteLine();
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
            $"| {name} | {legs} | {r.SentPerSecond:F0} | {r.ReceivedPerSecond:F0} | {r.Cores:F2} | {r.Cores * 100 * 1000 / legs:F1} | {r.P50 * 1000:F2} | {r.P99 * 1000:F2} | {r.P999 * 1000:F2} | {r.Max * 1000:F2} | {r.Skipped} |"));

    private static Result RunMedia(Socket[] sockets, UdpSink sink, Prompt prompt, double seconds, double warmup)
    {
        using var metrics = new MediaMetrics();
        var scheduler = new MediaScheduler(Stopwatch.Frequency, metrics: null);
        var random = new Random(3);
        var handles = new List<PacedStreamHandle>(sockets.Length);
        var counter = new SendCounter();
        var sinkAddress = sink.EndPoint.Serialize();
        foreach (var socket in sockets)
        {
            var leg = new MediaLeg("load", RtpSendStream.Create(random), metrics);
            leg.Configure(new NegotiatedMedia { Codec = random.Next(2) == 0 ? G711Law.MuLaw : G711Law.ALaw, Direction = SdpDirection.SendRecv });
            leg.Sink = new SocketSink(socket, sinkAddress, counter);
            leg.Play(new PromptPlayer([prompt], loop: true));
            handles.Add(scheduler.Add(leg));
        }

        var result = Measure(scheduler.Lateness, () => counter.Sent, sink, seconds, warmup, () => scheduler.RunDue(Stopwatch.GetTimestamp()));
        result = result with { Skipped = handles.Sum(h => h.MissedFrames) };
        return result;
    }

    private static Result RunBare(Socket[] sockets, UdpSink sink, double seconds, double warmup)
    {
        // One datagram per socket per 20 ms, spread over the period in 1 ms groups like the wheel does.
        var datagram = new byte[172];
        var address = sink.EndPoint.Serialize();
        var period = Stopwatch.Frequency / 50;
        var slotWidth = period / 20;
        var next = Stopwatch.GetTimestamp();
        var slot = 0;
        var histogram = new LatencyHistogram();
        long sent = 0;
        return Measure(histogram, () => Volatile.Read(ref sent), sink, seconds, warmup, () =>
        {
            var now = Stopwatch.GetTimestamp();
            while (next <= now)
            {
                for (var i = slot; i < sockets.Length; i += 20)
                {
                    sockets[i].SendTo(datagram, SocketFlags.None, address);
                    sent++;
                }

                histogram.Record((now - next) / (double)Stopwatch.Frequency);
                next += slotWidth;
                slot = (slot + 1) % 20;
            }
        });
    }

    private static Result Measure(LatencyHistogram histogram, Func<long> sentCounter, UdpSink sink, double seconds, double warmup, Action runDue)
    {
        var stop = false;
        var loop = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                runDue();
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "media-load-clock", Priority = ThreadPriority.Highest };
        loop.Start();
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        histogram.Reset();
        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sent0 = sentCounter();
        var received0 = sink.Received;
        var sw = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var elapsed = sw.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var received = sink.Received - received0;
        var sent = sentCounter() - sent0;
        Volatile.Write(ref stop, true);
        loop.Join();
        return new Result(sent / elapsed, received / elapsed, cpu / elapsed, histogram.Percentile(0.5), histogram.Percentile(0.99), histogram.Percentile(0.999), histogram.Max, 0);
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private sealed record Result(double SentPerSecond, double ReceivedPerSecond, double Cores, double P50, double P99, double P999, double Max, long Skipped);

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

    /// <summary>A lightweight UDP sink: one socket, one async receive loop, counts datagrams.</summary>
    private sealed class UdpSink : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private long _received;

        public UdpSink()
        {
            _socket.ReceiveBufferSize = 8 * 1024 * 1024;
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _ = Task.Run(LoopAsync);
        }

        public IPEndPoint EndPoint { get; }

        public long Received => Interlocked.Read(ref _received);

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            var buffer = GC.AllocateArray<byte>(2048, pinned: true);
            var from = new SocketAddress(AddressFamily.InterNetwork);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token);
                    Interlocked.Increment(ref _received);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    return;
                }
            }
        }
    }
}
