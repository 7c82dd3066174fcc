using System.Globalization;
using Acd.Ivr.Runtime;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Players;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Calls.Media;

/// <summary>
/// The IVR's media on one caller leg: <see cref="IIvrMedia"/> over a <see cref="MediaLeg"/>. Prompts (already
/// resolved to WAV paths by the script's prompt library) come from the shared <see cref="PromptCache"/>; the leg's
/// <see cref="MediaLeg.PlaybackFinished"/> completes <see cref="PlayAsync"/>, and its
/// <see cref="MediaLeg.DigitReceived"/> is posted to the attached session. Barge-in is the session's decision
/// (it knows which nodes allow it): prompts play without leg-level barge-in, and the session's cancellation stops
/// them at once. Leg events arrive on media threads; the handlers only complete tasks and post digits.
/// </summary>
/// <remarks>
/// <see cref="PlayAsync"/> completes successfully when the prompts played out (or the call layer stopped the leg
/// for its own reasons) and as cancelled when the session's token stopped them or a leg-level barge-in did.
/// Prompts whose file cannot be loaded are skipped, logged and counted; the rest still play. A prompt ends on its
/// own source's <see cref="MediaLeg.PlaybackFinished"/> only (the event names the source), so the end of a source
/// the call layer played never ends a prompt. The sources are pooled: one is reused once the leg has reported its
/// end, so a prompt start allocates only its task.
/// </remarks>
public sealed class MediaLegIvrChannel : IIvrMedia, IDisposable
{
    private readonly Lock _gate = new();
    private readonly MediaLeg _leg;
    private readonly PromptCache _prompts;
    private readonly IvrMediaOptions _options;
    private readonly TimeProvider _time;
    private readonly IvrMediaMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Stack<Playback> _free = new(); // playbacks whose end the leg has reported, for reuse
    private IvrSession? _session;
    private Playback? _current;
    private bool _disposed;

    /// <summary>Creates the channel and subscribes to the leg's events (until <see cref="Dispose"/>).</summary>
    public MediaLegIvrChannel(MediaLeg leg, PromptCache prompts, IvrMediaOptions options, TimeProvider time, IvrMediaMetrics metrics, ILogger<MediaLegIvrChannel>? logger = null)
    {
        _leg = leg ?? throw new ArgumentNullException(nameof(leg));
        _prompts = prompts ?? throw new ArgumentNullException(nameof(prompts));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        _time = time ?? throw new ArgumentNullException(nameof(time));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _leg.PlaybackFinished += OnPlaybackFinished;
        _leg.DigitReceived += OnDigit;
    }

    /// <summary>The leg this channel plays on.</summary>
    public MediaLeg Leg => _leg;

    /// <summary>Digits received on the leg from now on go to <paramref name="session"/> (null: dropped).</summary>
    public void Attach(IvrSession? session) => Volatile.Write(ref _session, session);

    /// <inheritdoc />
    public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var playback = Rent();
        for (var i = 0; i < prompts.Count; i++)
        {
            var prompt = prompts[i];
            var result = _prompts.Get(prompt.Path);
            if (result.Prompt is { } p)
            {
                playback.Prompts.Add(p);
            }
            else
            {
                _metrics.PromptErrors.Add(1);
                Log.PromptFailed(_logger, prompt.Name, _leg.Name, result.Error);
            }
        }

        if (playback.Prompts.Count == 0)
        {
            Return(playback);
            return Task.CompletedTask;
        }

        return Start(playback, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Beep)
        {
            var beep = Rent();
            beep.Prompts.Add(ToneGenerator.Build(ToneSpec.Beep));
            await Start(beep, cancellationToken).ConfigureAwait(false);
        }

        if (_leg.Forwarder is not null)
        {
            throw new InvalidOperationException($"Leg {_leg.Name} is bridged or mixed: it cannot record a voicemail.");
        }

        var path = Path.Combine(_options.RecordingDirectory, RecordingName(request.Mailbox));
        var recorder = VoicemailRecorder.Start(path, _options.RecordingQueueFrames);
        _leg.Forwarder = recorder;
        var cancelled = false;
        try
        {
            await Task.Delay(request.MaxLength, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }
        finally
        {
            if (ReferenceEquals(_leg.Forwarder, recorder))
            {
                _leg.Forwarder = null;
            }

            await recorder.DisposeAsync().ConfigureAwait(false);
        }

        if (recorder.FramesDropped > 0)
        {
            _metrics.RecordedFramesDropped.Add(recorder.FramesDropped);
        }

        if (recorder.Error is { } error)
        {
            Log.RecordingFailed(_logger, _leg.Name, path, error);
            throw new IOException($"Voicemail {path}: {error}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return cancelled ? throw new OperationCanceledException(cancellationToken) : new IvrRecording(path, recorder.Duration);
    }

    /// <summary>Unsubscribes from the leg and stops a prompt this channel started.</summary>
    public void Dispose()
    {
        Playback? current;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            current = _current;
        }

        if (current is not null)
        {
            _leg.Stop();
        }

        _leg.PlaybackFinished -= OnPlaybackFinished;
        _leg.DigitReceived -= OnDigit;
        Volatile.Write(ref _session, null);
        current?.Finish(PlaybackEnd.Stopped, _metrics);
    }

    private Playback Rent()
    {
        lock (_gate)
        {
            if (_free.TryPop(out var playback))
            {
                return playback;
            }
        }

        return new Playback(this);
    }

    private void Return(Playback playback)
    {
        playback.Prompts.Clear();
        lock (_gate)
        {
            if (_free.Count < 4)
            {
                _free.Push(playback);
            }
        }
    }

    private Task Start(Playback playback, CancellationToken cancellationToken)
    {
        Playback? previous;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            previous = _current;
        }

        if (previous is not null)
        {
            _leg.Stop(); // ends the previous playback through PlaybackFinished before the new one is current
        }

        var task = playback.Begin(cancellationToken);
        lock (_gate)
        {
            _current = playback;
        }

        _leg.Play(playback);
        if (playback.Register())
        {
            Return(playback);
        }

        return task;
    }

    private void OnPlaybackFinished(MediaLeg leg, IFrameSource source, PlaybackEnd end)
    {
        // Only this channel's own prompts: the end of a source the call layer played must not end a prompt.
        if (source is not Playback playback || !ReferenceEquals(playback.Owner, this))
        {
            return;
        }

        lock (_gate)
        {
            if (ReferenceEquals(_current, playback))
            {
                _current = null;
            }
        }

        // Also a late Completed of a playback already replaced: its task still completes. The leg reports each
        // play once, so after this (and after Start registered its cancellation) the playback can be reused.
        playback.Finish(end, _metrics);
        if (playback.Release())
        {
            Return(playback);
        }
    }

    private void OnDigit(MediaLeg leg, DtmfDigit digit) => Volatile.Read(ref _session)?.PostDigit(digit.Digit);

    // Called by a playback's token: stop the leg if that playback is still the one playing.
    private void Cancel(Playback playback)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_current, playback))
            {
                return;
            }
        }

        _leg.Stop();
    }

    private string RecordingName(string mailbox)
    {
        Span<char> safe = stackalloc char[Math.Min(mailbox.Length, 40)];
        for (var i = 0; i < safe.Length; i++)
        {
            var c = mailbox[i];
            safe[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_';
        }

        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{safe}-{stamp}-{Guid.NewGuid():N}.wav");
    }

    /// <summary>
    /// One PlayAsync: the source the leg plays (a reusable <see cref="PromptPlayer"/>), its task and its cancellation.
    /// Reused by the channel once the leg has reported its end, so a prompt start allocates only its task.
    /// </summary>
    private sealed class Playback(MediaLegIvrChannel owner) : IFrameSource
    {
        private static readonly Action<object?, CancellationToken> OnCancel = static (s, token) =>
        {
            var p = (Playback)s!;
            if (p._token == token) // not a late callback of this playback's previous use
            {
                p._cancelRequested = true;
                p.Owner.Cancel(p);
            }
        };

        private static readonly Prompt Nothing = Prompt.FromSamples("nothing", new short[G711.SamplesPerFrame]);
        private readonly PromptPlayer _player = new([Nothing]);
        private TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationToken _token;
        private CancellationTokenRegistration _registration;
        private volatile bool _cancelRequested;
        private int _holds; // Start's registration and the leg's end report: reusable when both are done

        public MediaLegIvrChannel Owner { get; } = owner;

        /// <summary>The prompts of the next <see cref="Begin"/>.</summary>
        public List<Prompt> Prompts { get; } = [];

        public bool BargeIn => false;

        public Task Begin(CancellationToken token)
        {
            _player.Reset(Prompts);
            Prompts.Clear();
            _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _cancelRequested = false;
            _registration = default;
            _token = token;
            Volatile.Write(ref _holds, 2);
            return _completion.Task;
        }

        /// <summary>Registers the cancellation after the leg started playing; true when the playback may be reused now.</summary>
        public bool Register()
        {
            if (_token.CanBeCanceled)
            {
                _registration = _token.UnsafeRegister(OnCancel, this);
                Interlocked.MemoryBarrier(); // Finish completes the task, then reads the registration: one of us sees the other
                if (_completion.Task.IsCompleted)
                {
                    _registration.Unregister(); // the prompt ended before the registration existed
                }
            }

            return Release();
        }

        /// <summary>One of the two holds is done; true for the last.</summary>
        public bool Release() => Interlocked.Decrement(ref _holds) == 0;

        public void Finish(PlaybackEnd end, IvrMediaMetrics metrics)
        {
            var cancelled = end == PlaybackEnd.BargedIn || (end == PlaybackEnd.Stopped && _cancelRequested);
            var done = cancelled ? _completion.TrySetCanceled(_token.IsCancellationRequested ? _token : default) : _completion.TrySetResult();
            if (done)
            {
                metrics.Prompts.Add(1, new KeyValuePair<string, object?>("end", cancelled ? "cancelled" : end == PlaybackEnd.Completed ? "completed" : "stopped"));
            }

            _registration.Unregister(); // never waits for a running callback (that may be this thread)
        }

        public bool ReadFrame(G711Law law, Span<byte> frame) => _player.ReadFrame(law, frame);

        public void Skip(int frames) => _player.Skip(frames);
    }
}
