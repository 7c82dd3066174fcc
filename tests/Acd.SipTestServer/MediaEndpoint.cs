using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Players;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Acd.Sip.Ua;
using Acd.Transport.Clock;
using Acd.Transport.Rtp;

/// <summary>
/// The media mode of the test host: answers each incoming call with the real media stack (RtpSessionFactory on a
/// PacingClock, SdpNegotiator), records what it hears to <c>&lt;dir&gt;/&lt;call&gt;.wav</c> (16-bit PCM, 8 kHz, the
/// received payloads decoded back to back) and, when a prompt is given, plays it once after the ACK.
/// Writes one line per event to <c>&lt;dir&gt;/events.log</c>: <c>ANSWERED &lt;call&gt; &lt;codec&gt;</c>,
/// <c>ACKED &lt;call&gt;</c> (per ACK event), <c>DIGIT &lt;call&gt; &lt;digit&gt; &lt;source&gt;</c>, <c>PLAYED &lt;call&gt; &lt;end&gt;</c>,
/// <c>ENDED &lt;call&gt; &lt;wav path&gt; packets=&lt;n&gt;</c> (the WAV is complete when this line appears).
/// </summary>
internal sealed class MediaEndpoint : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Prompt? _prompt;
    private readonly MediaMetrics _metrics = new();
    private readonly PacingClock _clock;
    private readonly RtpSessionFactory _factory;
    private readonly Channel<string> _events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _eventWriter;

    private MediaEndpoint(string directory, Prompt? prompt, int minPort)
    {
        _directory = directory;
        _prompt = prompt;
        _clock = new PacingClock(TimeProvider.System, _metrics, threads: 1);
        var pool = new RtpPortPool(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = minPort, MaxPort = minPort + 199 });
        _factory = new RtpSessionFactory(pool, _clock, new RtpSessionOptions(), TimeProvider.System, _metrics, new Random());
        _clock.Start();
        _eventWriter = Task.Run(WriteEventsAsync);
    }

    /// <summary>Creates the endpoint, or returns the reason it cannot (prompt not loadable).</summary>
    public static (MediaEndpoint? Endpoint, string? Error) Create(string directory, string? promptPath)
    {
        Directory.CreateDirectory(directory);
        Prompt? prompt = null;
        if (promptPath is not null)
        {
            var loaded = new PromptCache().Get(promptPath);
            if (!loaded.Success)
            {
                return (null, loaded.Error);
            }

            prompt = loaded.Prompt;
        }

        // A random even base in 20000-39800 keeps parallel test hosts apart; taken ports are skipped by the pool.
        var minPort = 20000 + (2 * RandomNumberGenerator.GetInt32(0, 9900));
        return (new MediaEndpoint(directory, prompt, minPort), null);
    }

    /// <summary>Handles one incoming call until it ends; never throws.</summary>
    public async Task HandleAsync(SipCall call)
    {
        var offer = SdpParser.Parse(call.RemoteSdp.Span);
        if (!offer.Success)
        {
            call.Reject(488, "Not Acceptable Here");
            Post($"REJECTED {call.CallId} {offer.Error}");
            return;
        }

        var session = _factory.Create(call.CallId);
        if (session is null)
        {
            call.Reject(503, "Service Unavailable");
            Post($"REJECTED {call.CallId} no RTP port");
            return;
        }

        var recording = new ReceivedAudio();
        try
        {
            var negotiator = new SdpNegotiator(new LocalMediaOptions { Address = "127.0.0.1", Port = session.LocalPort }, (ulong)RandomNumberGenerator.GetInt32(int.MaxValue));
            var answer = negotiator.AnswerOffer(offer.Session!);
            if (!answer.Success)
            {
                call.Reject(answer.StatusCode, "Not Acceptable Here");
                Post($"REJECTED {call.CallId} {answer.Error}");
                return;
            }

            session.Leg.Forwarder = recording;
            session.Leg.DigitReceived += (_, digit) => Post($"DIGIT {call.CallId} {digit.Digit} {digit.Source}");
            session.Leg.PlaybackFinished += (_, _, end) => Post($"PLAYED {call.CallId} {end}");
            session.Apply(answer.Media!);
            call.Answer(Encoding.ASCII.GetBytes(answer.Local!.ToString()));
            Post($"ANSWERED {call.CallId} {answer.Media!.Codec}");
            var acknowledged = false;
            await foreach (var callEvent in call.Events.ReadAllAsync())
            {
                // The UA publishes an event per ACK, so a retransmitted 2xx answered by another ACK comes twice: play once.
                if (callEvent is SipCallAcknowledged)
                {
                    Post($"ACKED {call.CallId}");
                }

                if (callEvent is SipCallAcknowledged && !acknowledged)
                {
                    acknowledged = true;
                    if (_prompt is not null)
                    {
                        session.Leg.Play(new PromptPlayer([_prompt]));
                    }
                }
                else if (callEvent is SipCallEnded)
                {
                    break;
                }
            }
        }
        finally
        {
            await session.DisposeAsync();
        }

        var path = Path.Combine(_directory, FileName(call.CallId) + ".wav");
        await using (var writer = new WavWriter(new FileStream(path, FileMode.Create, FileAccess.Write), channels: 1))
        {
            await writer.WriteAsync(recording.Samples());
            await writer.CompleteAsync();
        }

        Post($"ENDED {call.CallId} {path} packets={recording.Packets}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _eventWriter;
        _clock.Dispose();
        _metrics.Dispose();
    }

    private static string FileName(string callId)
    {
        var name = new StringBuilder(callId.Length);
        foreach (var c in callId)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        }

        return name.ToString();
    }

    private void Post(string line) => _events.Writer.TryWrite(line);

    private async Task WriteEventsAsync()
    {
        await using var log = new StreamWriter(Path.Combine(_directory, "events.log"), append: true, Encoding.ASCII) { AutoFlush = true };
        await foreach (var line in _events.Reader.ReadAllAsync())
        {
            await log.WriteLineAsync(line);
        }
    }

    /// <summary>Every received audio payload, decoded to linear PCM in arrival order (the leg already drops late packets).</summary>
    private sealed class ReceivedAudio : IMediaForwarder
    {
        private readonly Lock _gate = new();
        private readonly List<short> _samples = [];
        private short[] _decoded = new short[1024];

        public long Packets { get; private set; }

        public void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law)
        {
            lock (_gate)
            {
                var payload = packet.Payload;
                if (_decoded.Length < payload.Length)
                {
                    _decoded = new short[payload.Length];
                }

                G711.Decode(law, payload, _decoded);
                _samples.AddRange(_decoded.AsSpan(0, payload.Length));
                Packets++;
            }
        }

        public void OnTelephoneEvent(MediaLeg from, in RtpPacket packet)
        {
        }

        public short[] Samples()
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }
}
