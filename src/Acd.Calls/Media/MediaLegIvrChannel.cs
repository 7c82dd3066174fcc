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
/// Prompts whose file cannot be loaded are skipped, logged and counted; the rest still play.
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

        var loaded = new List<Prompt>(prompts.Count);
        foreach (var prompt in prompts)
        {
            var result = _prompts.Get(prompt.Path);
            if (result.Prompt is { } p)
            {
                loaded.Add(p);
            }
            else
            {
                _metrics.PromptErrors.Add(1);
                Log.PromptFailed(_logger, prompt.Name, _leg.Name, result.Error);
            }
        }

        return loaded.Count == 0 ? Task.CompletedTask : Start(loaded, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Beep)
        {
            await Start([ToneGenerator.Build(ToneSpec.Beep)], cancellationToken).ConfigureAwait(false);
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

    private Task Start(IReadOnlyList<Prompt> prompts, CancellationToken cancellationToken)
    {
        var playback = new Playback(this, new PromptPlayer(prompts), cancellationToken);
        Playback? previous;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            previous = _current;
        }

        if (previous is not null)
        {
            _leg.Stop(); // completes the previous playback through PlaybackFinished before the new one is current
        }

        lock (_gate)
        {
            _current = playback;
        }

        _leg.Play(playback.Source);
        playback.Register();
        return playback.Task;
    }

    private void OnPlaybackFinished(MediaLeg leg, IFrameSource source, PlaybackEnd end)
    {
        Playback? playback;
        lock (_gate)
        {
            playback = _current;
            // Only the current prompt's own ending ends it: a late Completed of an earlier prompt, or the end of a
            // source the call layer played, must not.
            if (playback is null || !ReferenceEquals(playback.Source, source))
            {
                return;
            }

            _current = null;
        }

        playback.Finish(end, _metrics);
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

    /// <summary>One PlayAsync: its source, its task and its cancellation.</summary>
    private sealed class Playback(MediaLegIvrChannel owner, PromptPlayer source, CancellationToken token)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _registration;
        private volatile bool _cancelRequested;

        public PromptPlayer Source { get; } = source;

        public Task Task => _completion.Task;

        public void Register()
        {
            if (token.CanBeCanceled)
            {
                _registration = token.UnsafeRegister(static s =>
                {
                    var p = (Playback)s!;
                    p._cancelRequested = true;
                    p.Owner.Cancel(p);
                }, this);
                if (_completion.Task.IsCompleted)
                {
                    _registration.Unregister(); // the prompt ended before the registration existed
                }
            }
        }

        private MediaLegIvrChannel Owner { get; } = owner;

        public void Finish(PlaybackEnd end, IvrMediaMetrics metrics)
        {
            var cancelled = end == PlaybackEnd.BargedIn || (end == PlaybackEnd.Stopped && _cancelRequested);
            var done = cancelled ? _completion.TrySetCanceled(token.IsCancellationRequested ? token : default) : _completion.TrySetResult();
            if (done)
            {
                metrics.Prompts.Add(1, new KeyValuePair<string, object?>("end", cancelled ? "cancelled" : end == PlaybackEnd.Completed ? "completed" : "stopped"));
            }

            _registration.Unregister(); // never waits for a running callback (that may be this thread)
        }
    }
}
