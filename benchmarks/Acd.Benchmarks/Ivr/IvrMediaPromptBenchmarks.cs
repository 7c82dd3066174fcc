using Acd.Calls.Media;
using Acd.Ivr.Runtime;
using Acd.Ivr.Simulation;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Ivr;

/// <summary>
/// What one IVR event costs on real media objects, for the allocation rate of ivr-media-load: an
/// <see cref="IvrSession"/> on a <see cref="MediaLegIvrChannel"/> over a <see cref="MediaLeg"/> (sink drops the
/// datagrams, virtual clock for the menu timer), in the menu of <see cref="IvrBenchSupport.LoadLoop"/> (main-menu
/// prompt, '9' loops back through a set node).
/// Each operation is one caller digit, two transitions and one prompt start; the driver waits until the session is
/// idle again (no allocation on the driver's side). Run:
/// <c>dotnet run -c Release --project benchmarks/Acd.Benchmarks -- --filter '*IvrMediaPrompt*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class IvrMediaPromptBenchmarks
{
    private static readonly byte[] SipInfoDigit = "Signal=9\r\nDuration=160\r\n"u8.ToArray();

    private readonly IdleSignal _idle = new();
    private MediaMetrics _mediaMetrics = null!;
    private IvrMediaMetrics _ivrMediaMetrics = null!;
    private IvrMetrics _ivrMetrics = null!;
    private MediaLeg _leg = null!;
    private MediaLegIvrChannel _channel = null!;
    private IvrSession _session = null!;
    private Task<IvrResult> _run = null!;

    [GlobalSetup]
    public void Setup()
    {
        var script = IvrBenchSupport.LoadLoop();
        var time = new VirtualTimeProvider(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero));
        _mediaMetrics = new MediaMetrics();
        _ivrMediaMetrics = new IvrMediaMetrics();
        _ivrMetrics = new IvrMetrics();
        _leg = new MediaLeg("bench", new RtpSendStream(0x1234, 1, 1), _mediaMetrics);
        _leg.Configure(new NegotiatedMedia { Codec = G711Law.MuLaw, TelephoneEventPayloadType = 101, Direction = SdpDirection.SendRecv });
        _leg.Sink = DropSink.Instance;
        _channel = new MediaLegIvrChannel(_leg, new PromptCache(), new IvrMediaOptions { RecordingDirectory = Path.GetTempPath() }, time, _ivrMediaMetrics);
        _session = new IvrEngine(time, _ivrMetrics).CreateSession(script, new IvrCallInfo("bench", "+15550100", "100"), _channel, NoQueues.Instance, _idle);
        _channel.Attach(_session);
        _idle.Arm();
        _run = _session.RunAsync();
        _idle.Wait();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Hangup();
        _run.GetAwaiter().GetResult();
        _channel.Dispose();
        _ivrMetrics.Dispose();
        _ivrMediaMetrics.Dispose();
        _mediaMetrics.Dispose();
    }

    /// <summary>The caller presses '9' during the menu prompt: barge-in (prompt cancelled), menu -> again -> menu, prompt starts again.</summary>
    [Benchmark]
    public void DigitBargesIntoPrompt()
    {
        _idle.Arm();
        _session.PostDigit('9');
        _idle.Wait();
    }

    /// <summary>The menu prompt plays out (ticks to its end: the menu timer is armed), then '9' (timer cancelled) and the prompt starts again.</summary>
    [Benchmark]
    public void PromptPlaysOutThenDigit()
    {
        _idle.Arm();
        var tick = 0;
        while (_leg.IsPlaying)
        {
            _leg.OnTick(new PacingTick(tick, tick, 0));
            tick++;
        }

        _idle.Wait(); // the session took the prompt's end and armed the menu timer
        _idle.Arm();
        _session.PostDigit('9');
        _idle.Wait();
    }

    /// <summary>For scale: parsing one SIP INFO digit body (the load tool's digit path; RFC 4733 digits do not parse text).</summary>
    [Benchmark]
    public bool SipInfoDigitParse() => DtmfInfoParser.TryParse("application/dtmf-relay", SipInfoDigit, out _);

    private sealed class DropSink : IRtpSink
    {
        public static readonly DropSink Instance = new();

        public void SendRtp(ReadOnlySpan<byte> datagram)
        {
        }
    }

    private sealed class NoQueues : IIvrQueueInfo
    {
        public static readonly NoQueues Instance = new();

        public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new IvrQueueStatus(TimeSpan.FromSeconds(30), 1, 0));
    }

    /// <summary>
    /// Set when the session has no event left and waits (a cancelled prompt's late completion may still wake it once
    /// more during the next operation: its cost is counted in that operation). Spins; allocates nothing.
    /// </summary>
    private sealed class IdleSignal : IvrObserver
    {
        private volatile int _idle;

        public void Arm() => _idle = 0;

        public void Wait()
        {
            var spin = new SpinWait();
            var deadline = Environment.TickCount64 + 10_000;
            while (_idle == 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                if (Environment.TickCount64 > deadline)
                {
                    throw new TimeoutException("the session did not become idle");
                }
            }
        }

        public override void Idle(IvrSession session) => _idle = 1;
    }
}
