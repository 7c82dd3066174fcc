using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Acd.Calls.Inbound;
using Acd.Calls.Media;
using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Ua;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Calls.Outbound;

/// <summary>What the far end said about an outbound leg.</summary>
public enum OutboundLegStatus
{
    /// <summary>180 or 183.</summary>
    Ringing,

    /// <summary>2xx with a usable SDP answer: media applied.</summary>
    Answered,

    /// <summary>A final failure before answer (<see cref="OutboundLegEvent.StatusCode"/>: 486, 503, 408, 487...).</summary>
    Failed,

    /// <summary>The answered call ended (BYE either side).</summary>
    Ended,
}

/// <summary>One step of an outbound leg.</summary>
public readonly record struct OutboundLegEvent(OutboundLegStatus Status, int StatusCode, string Reason);

/// <summary>What outbound legs share: the user agent they dial from, media, prompts, the IVR engine's media options.</summary>
public sealed record OutboundLegServices
{
    public required SipUserAgent UserAgent { get; init; }

    public required IMediaSessionFactory Media { get; init; }

    /// <summary>The address put in our SDP (c= line).</summary>
    public required string MediaAddress { get; init; }

    public required PromptCache Prompts { get; init; }

    public IvrMediaOptions IvrMediaOptions { get; init; } = new();

    public required IvrMediaMetrics IvrMediaMetrics { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long <see cref="OutboundLeg.PlayAsync"/> waits for a digit after the prompt when it collects one.</summary>
    public TimeSpan DigitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>
/// One outgoing call leg on the wire: the INVITE (with its media session's SDP offer), progress, the answer's SDP
/// applied, then the answered leg's media for the dialer: received audio as PCM frames (AMD, beep), prompts with
/// digit collection, an IVR script, and the hand-over of the call with its media to the queue flow
/// (<see cref="IConnectedCalls"/>). Hang-up is CANCEL before the answer and BYE after. The leg reads its call's
/// events until it is handed over (the event channel has a single reader).
/// </summary>
public sealed class OutboundLeg : IAsyncDisposable
{
    private readonly OutboundLegServices _services;
    private readonly SdpNegotiator _negotiator;
    private readonly Channel<OutboundLegEvent> _progress = Channel.CreateUnbounded<OutboundLegEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _gone = new();
    private readonly CancellationTokenSource _stopPump = new();
    private readonly ILogger _logger;
    private readonly Task _pump;
    private MediaLegIvrChannel? _channel;
    private int _handedOver;
    private int _disposed;

    private OutboundLeg(OutboundLegServices services, SipCall call, IMediaSession media, SdpNegotiator negotiator)
    {
        _services = services;
        Call = call;
        Media = media;
        _negotiator = negotiator;
        _logger = services.Loggers.CreateLogger<OutboundLeg>();
        _pump = PumpAsync();
    }

    /// <summary>The SIP call (its Call-ID names the leg in logs).</summary>
    public SipCall Call { get; }

    /// <summary>The leg's RTP session.</summary>
    public IMediaSession Media { get; }

    /// <summary>Whether the far end answered.</summary>
    public bool Answered { get; private set; }

    /// <summary>Cancelled when the call ends (either side) or is handed over.</summary>
    public CancellationToken Gone => _gone.Token;

    /// <summary>
    /// Sends the INVITE of <paramref name="request"/> with a fresh media session's SDP offer. Null when no RTP port is
    /// free (nothing is sent).
    /// </summary>
    public static OutboundLeg? Dial(OutboundLegServices services, SipOriginateRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(request);
        var media = services.Media.Create(name);
        if (media is null)
        {
            return null;
        }

        var negotiator = CallPlumbing.NewNegotiator(services.MediaAddress, media.LocalPort);
        var call = services.UserAgent.Originate(request with { Sdp = Encoding.UTF8.GetBytes(negotiator.CreateOffer().ToString()) });
        return new OutboundLeg(services, call, media, negotiator);
    }

    /// <summary>Ringing (maybe several), then Answered or Failed; after an answer, Ended when the call ends.</summary>
    public IAsyncEnumerable<OutboundLegEvent> EventsAsync(CancellationToken cancellationToken) => _progress.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// The leg's received audio from now on as 8 kHz PCM, 160 samples (20 ms) a frame, until the call ends or
    /// <paramref name="cancellationToken"/> fires. Frames are kept while the reader is slow (up to 2 s, then the oldest go).
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<short>> AudioFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tap = new AudioTap();
        var leg = Media.Leg;
        leg.Forwarder = tap;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gone.Token);
        try
        {
            while (true)
            {
                short[] frame;
                try
                {
                    frame = await tap.Frames.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    yield break; // the call ended
                }

                yield return frame;
            }
        }
        finally
        {
            if (ReferenceEquals(leg.Forwarder, tap))
            {
                leg.Forwarder = null;
            }
        }
    }

    /// <summary>
    /// Plays a prompt (a WAV path). With <paramref name="collectDigit"/>, returns the first digit pressed during it (the
    /// prompt stops) or within <see cref="OutboundLegServices.DigitTimeout"/> after it; otherwise null. Returns early
    /// when the call ends.
    /// </summary>
    public async ValueTask<char?> PlayAsync(string promptPath, bool collectDigit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(promptPath);
        var channel = EnsureChannel();
        var digit = new TaskCompletionSource<char>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnDigit(MediaLeg leg, DtmfDigit d) => digit.TrySetResult(d.Digit);
        if (collectDigit)
        {
            Media.Leg.DigitReceived += OnDigit;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gone.Token);
        try
        {
            var play = channel.PlayAsync([new IvrPrompt(Path.GetFileNameWithoutExtension(promptPath), promptPath)], linked.Token);
            if (!collectDigit)
            {
                await Quietly(play).ConfigureAwait(false);
                return null;
            }

            if (await Task.WhenAny(play, digit.Task).ConfigureAwait(false) == digit.Task)
            {
                await linked.CancelAsync().ConfigureAwait(false); // stop the prompt: barge-in
                await Quietly(play).ConfigureAwait(false);
                return digit.Task.Result;
            }

            await Quietly(play).ConfigureAwait(false);
            var wait = Task.Delay(_services.DigitTimeout, _services.Time, linked.Token);
            await Quietly(Task.WhenAny(wait, digit.Task)).ConfigureAwait(false);
            return digit.Task.IsCompletedSuccessfully ? digit.Task.Result : null;
        }
        finally
        {
            if (collectDigit)
            {
                Media.Leg.DigitReceived -= OnDigit;
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Runs <paramref name="script"/> on the leg (prompts, menus and digits, as <see cref="MediaLegIvrChannel"/> and
    /// <see cref="IvrSession"/> do for inbound calls). Returns the script's result; a hang-up ends it.
    /// </summary>
    public async Task<IvrResult> RunIvrAsync(IvrEngine engine, IvrScript script, IvrCallInfo info, IIvrQueueInfo queues, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var channel = EnsureChannel();
        var session = engine.CreateSession(script, info, channel, queues);
        channel.Attach(session);
        using var onGone = _gone.Token.Register(session.Hangup);
        try
        {
            return await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            channel.Attach(null);
        }
    }

    /// <summary>
    /// Gives the answered call and its media to the queue flow. The leg stops reading the call's events and owns
    /// neither the call nor the media afterwards (its <see cref="DisposeAsync"/> then leaves them alone).
    /// </summary>
    public async Task<ConnectedCallOutcome> HandOverAsync(IConnectedCalls connected, ConnectedCallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connected);
        if (!Answered || Call.State != SipCallState.Answered || Interlocked.Exchange(ref _handedOver, 1) != 0)
        {
            return ConnectedCallOutcome.HungUp;
        }

        StopMedia();
        await _stopPump.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        await _gone.CancelAsync().ConfigureAwait(false);
        return await connected.ConnectAsync(Call, Media, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>CANCEL before the answer, BYE after; nothing once handed over.</summary>
    public void Hangup()
    {
        if (Volatile.Read(ref _handedOver) == 0)
        {
            Call.Hangup();
        }
    }

    /// <summary>Hangs up (unless handed over) and frees the media.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _handedOver) == 0)
        {
            Call.Hangup();
            StopMedia();
            await Media.DisposeAsync().ConfigureAwait(false);
            await _stopPump.CancelAsync().ConfigureAwait(false);
            await _pump.ConfigureAwait(false);
        }

        _gone.Dispose();
        _stopPump.Dispose();
    }

    private MediaLegIvrChannel EnsureChannel()
    {
        if (_channel is { } existing)
        {
            return existing;
        }

        var channel = new MediaLegIvrChannel(Media.Leg, _services.Prompts, _services.IvrMediaOptions, _services.Time, _services.IvrMediaMetrics, _services.Loggers.CreateLogger<MediaLegIvrChannel>());
        return Interlocked.CompareExchange(ref _channel, channel, null) ?? channel;
    }

    private void StopMedia()
    {
        Interlocked.Exchange(ref _channel, null)?.Dispose();
        Media.Leg.Forwarder = null;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in Call.Events.ReadAllAsync(_stopPump.Token).ConfigureAwait(false))
            {
                switch (e)
                {
                    case SipCallProvisional { StatusCode: 180 or 183 } p:
                        _progress.Writer.TryWrite(new OutboundLegEvent(OutboundLegStatus.Ringing, p.StatusCode, p.ReasonPhrase));
                        break;
                    case SipCallAnswered answered:
                        OnAnswered(answered);
                        break;
                    case SipCallRequest { Method: "INFO" } info when info.Request.TryGetField(SipHeaderId.ContentType, out var contentType):
                        Media.Leg.OnSipInfo(info.Request.GetValueString(contentType), info.Request.Body.Span);
                        break;
                    case SipCallFailed failed:
                        _progress.Writer.TryWrite(new OutboundLegEvent(OutboundLegStatus.Failed, failed.StatusCode, failed.ReasonPhrase));
                        break;
                    case SipCallEnded ended:
                        if (Answered)
                        {
                            _progress.Writer.TryWrite(new OutboundLegEvent(OutboundLegStatus.Ended, 0, ended.Reason));
                        }
                        else
                        {
                            // Ended without a final response we saw (transport gone): a failure.
                            _progress.Writer.TryWrite(new OutboundLegEvent(OutboundLegStatus.Failed, 0, ended.Reason));
                        }

                        await _gone.CancelAsync().ConfigureAwait(false);
                        _progress.Writer.TryComplete();
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (_stopPump.IsCancellationRequested)
        {
            // Handed over or disposed: the events are the new owner's.
        }
        catch (ChannelClosedException)
        {
        }

        _progress.Writer.TryComplete();
    }

    private void OnAnswered(SipCallAnswered answered)
    {
        var parsed = SdpParser.Parse(answered.Sdp.Span);
        var media = parsed.Success ? _negotiator.AcceptAnswer(parsed.Session!) : null;
        if (media is not { Success: true })
        {
            Log.BadAnswer(_logger, Call.CallId, media?.Error ?? parsed.Error ?? "no SDP");
            Call.Hangup();
            _progress.Writer.TryWrite(new OutboundLegEvent(OutboundLegStatus.Failed, 488, "Not Acceptable Here"));
            return;
        }

        Media.Apply(media.Media!);
        Answered = true;
        _progress.Writer.TryWrite(new OutboundLegEvent(OutboundLegStatus.Answered, 200, "OK"));
    }

    /// <summary>Decodes the leg's received G.711 into 160-sample frames for the reader.</summary>
    private sealed class AudioTap : IMediaForwarder
    {
        private readonly Channel<short[]> _frames = Channel.CreateBounded<short[]>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });
        private short[] _current = new short[G711.SamplesPerFrame];
        private int _filled;

        public ChannelReader<short[]> Frames => _frames.Reader;

        public void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law)
        {
            var payload = packet.Payload;
            Span<short> pcm = stackalloc short[Math.Min(payload.Length, 1500)];
            G711.Decode(law, payload[..pcm.Length], pcm);
            while (pcm.Length > 0)
            {
                var n = Math.Min(pcm.Length, _current.Length - _filled);
                pcm[..n].CopyTo(_current.AsSpan(_filled));
                _filled += n;
                pcm = pcm[n..];
                if (_filled == _current.Length)
                {
                    _frames.Writer.TryWrite(_current);
                    _current = new short[G711.SamplesPerFrame];
                    _filled = 0;
                }
            }
        }

        public void OnTelephoneEvent(MediaLeg from, in RtpPacket packet)
        {
        }
    }
}
