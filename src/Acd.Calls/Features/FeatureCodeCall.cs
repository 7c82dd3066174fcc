using System.Text;
using System.Threading.Channels;
using Acd.Calls.Inbound;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Dtmf;
using Acd.Media.Players;
using Acd.Media.Sdp;
using Acd.Sip;
using Acd.Sip.Ua;

namespace Acd.Calls.Features;

/// <summary>
/// One feature-code call: authenticate the agent, answer, act (collecting the code by DTMF when none was dialed),
/// confirm with a spoken prompt, hang up. Sequential: the only concurrency is the caller hanging up (it cancels the
/// flow) and digits arriving (RFC 4733 on the leg, or SIP INFO relayed to the leg), both fed through channels.
/// </summary>
internal sealed class FeatureCodeCall : IRunningCall
{
    private const string Folder = "features/";

    private readonly FeatureCodeService _service;
    private readonly SipCall _call;
    private readonly FeatureRequest _request;
    private readonly CancellationTokenSource _cts;
    private readonly Channel<char> _digits = Channel.CreateUnbounded<char>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _played = [];
    private IMediaSession? _media;
    private FeatureAgent? _agent;
    private bool _handedOver;
    private volatile bool _finished;

    public FeatureCodeCall(FeatureCodeService service, SipCall call, FeatureRequest request)
    {
        _service = service;
        _call = call;
        _request = request;
        _cts = new CancellationTokenSource(service.Options.MaxCallDuration, service.Time);
    }

    private FeatureCodeOptions Options => _service.Options;

    private FeatureCodeDependencies Deps => _service.Deps;

    /// <summary>Set once the call has finished (the service lists calls until then).</summary>
    public bool IsFinished
    {
        get => _finished;
        set => _finished = value;
    }

    /// <summary>Ends the call at once (node shutdown).</summary>
    public void Stop()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task RunAsync()
    {
        FeatureCodeOutcome? outcome = null;
        try
        {
            outcome = await HandleAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = Outcome(FeatureResults.HungUp, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.CallFailed(_service.Logger, _call.CallId, e);
            outcome = Outcome(FeatureResults.Failed, "internal-error");
        }
        finally
        {
            await FinishAsync().ConfigureAwait(false);
            _service.Finished(this, _agent is null ? null : outcome);
        }
    }

    private async Task<FeatureCodeOutcome?> HandleAsync()
    {
        // Nothing is done for a party that has not proved it is an agent: 407 (answered by a new INVITE) or 403.
        var user = await _call.AuthenticateAsync(_cts.Token).ConfigureAwait(false);
        if (user is null)
        {
            return null;
        }

        _agent = Deps.Directory.FindByExtension(user);
        if (_agent is null)
        {
            Refuse(403, "Forbidden", "not an agent");
            _agent = new FeatureAgent(user, user, false);
            return Outcome(FeatureResults.NotAnAgent, user);
        }

        if (_request.Kind == FeatureKind.Supervise)
        {
            return await SuperviseAsync(_agent).ConfigureAwait(false);
        }

        if (!Answer())
        {
            return Outcome(FeatureResults.Failed, "answer");
        }

        var (result, detail, prompts) = await ActAsync(_agent).ConfigureAwait(false);
        await PlayAsync(prompts, _cts.Token).ConfigureAwait(false);
        return Outcome(result, detail);
    }

    // ---------------------------------------------------------------- actions

    private async Task<(string Result, string? Detail, List<string> Prompts)> ActAsync(FeatureAgent agent)
    {
        var agents = Deps.Agents;
        var token = _cts.Token;
        switch (_request.Kind)
        {
            case FeatureKind.LoginToggle:
                var state = await agents.GetAsync(agent.AgentId, token).ConfigureAwait(false);
                return state == AgentPresence.LoggedOut
                    ? Done(await agents.LoginAsync(agent.AgentId, token).ConfigureAwait(false), "login", "logged-in")
                    : Done(await agents.LogoutAsync(agent.AgentId, token).ConfigureAwait(false), "logout", "logged-out");
            case FeatureKind.Available:
                return Done(await agents.MakeAvailableAsync(agent.AgentId, token).ConfigureAwait(false), "available", "available");
            case FeatureKind.Pause:
            {
                var (reason, refusal) = await CodeAsync(Deps.Directory.PauseReason, token).ConfigureAwait(false);
                if (reason is null)
                {
                    return refusal;
                }

                var done = Done(await agents.PauseAsync(agent.AgentId, reason, token).ConfigureAwait(false), reason, "paused");
                if (done.Result == FeatureResults.Ok && HasPrompt(Folder + "reasons/" + reason))
                {
                    done.Prompts.Add(Folder + "reasons/" + reason);
                }

                return done;
            }

            case FeatureKind.Disposition:
            {
                var (disposition, refusal) = await CodeAsync(Deps.Directory.Disposition, token).ConfigureAwait(false);
                if (disposition is null)
                {
                    return refusal;
                }

                return Deps.Dispositions.SetDisposition(agent.AgentId, disposition)
                    ? (FeatureResults.Ok, disposition, [Folder + "disposition-saved"])
                    : (FeatureResults.NoCall, disposition, [Folder + "no-call"]);
            }

            default:
                return (FeatureResults.Failed, null, [Folder + "failed"]);
        }

        (string Result, string? Detail, List<string> Prompts) Done(CallControlResult result, string detail, string prompt)
        {
            if (result.Succeeded)
            {
                return (FeatureResults.Ok, detail, [Folder + prompt]);
            }

            Log.ActionRefused(_service.Logger, _call.CallId, _request.Code, agent.AgentId, result.Reason);
            return (FeatureResults.Failed, result.Reason, [Folder + "failed"]);
        }
    }

    /// <summary>
    /// The code dialed after the feature code (or asked for and collected) looked up in <paramref name="lookup"/>: its
    /// meaning, or null and the outcome to report (no code entered, unknown code).
    /// </summary>
    private async Task<(string? Meaning, (string Result, string? Detail, List<string> Prompts) Refusal)> CodeAsync(
        Func<string, string?> lookup, CancellationToken cancellationToken)
    {
        var code = await CollectAsync(cancellationToken).ConfigureAwait(false);
        return code.Length == 0 ? (null, (FeatureResults.NoInput, null, [Folder + "invalid-code"]))
            : lookup(code) is { } meaning ? (meaning, default)
            : (null, (FeatureResults.InvalidCode, code, [Folder + "invalid-code"]));
    }

    /// <summary>The code dialed after the feature code, or (none dialed) asked for and collected by DTMF; empty when none came.</summary>
    private async Task<string> CollectAsync(CancellationToken cancellationToken)
    {
        if (_request.Argument.Length > 0)
        {
            return _request.Argument;
        }

        var leg = _media!.Leg;
        var prompt = LoadPrompts([Folder + "enter-code"], out var length);
        var player = prompt.Count > 0 ? new PromptPlayer(prompt) : null;
        if (player is not null)
        {
            leg.Play(player);
        }

        var code = new StringBuilder();
        var wait = length + Options.DigitTimeout;
        while (code.Length < Options.MaxDigits)
        {
            var digit = await NextDigitAsync(wait, cancellationToken).ConfigureAwait(false);
            if (digit is null or '#')
            {
                break;
            }

            if (code.Length == 0 && player is not null)
            {
                leg.Stop(); // barge-in: the first digit stops the prompt
            }

            if (digit is >= '0' and <= '9')
            {
                code.Append(digit.Value);
            }

            wait = Options.InterDigitTimeout;
        }

        if (leg.IsPlaying)
        {
            leg.Stop();
        }

        return code.ToString();
    }

    private async Task<char?> NextDigitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(wait, _service.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return await _digits.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>*90</c> + extension: a supervisor joins the agent's live call (listen first). Refused with 403 before answering
    /// when the caller lacks the supervisor role; an agent without a call is told so by a prompt.
    /// </summary>
    private async Task<FeatureCodeOutcome> SuperviseAsync(FeatureAgent supervisor)
    {
        if (!supervisor.IsSupervisor)
        {
            Refuse(403, "Forbidden", "not a supervisor");
            return Outcome(FeatureResults.NotAllowed, _request.Argument);
        }

        var control = Deps.Calls();
        var watched = _request.Argument.Length == 0 ? null : Deps.Directory.FindByExtension(_request.Argument);
        var live = watched is null || control is null ? null : control.FindByAgent(watched.AgentId);
        if (live is null)
        {
            return await TellAsync(FeatureResults.NotFound, _request.Argument, "not-on-call").ConfigureAwait(false);
        }

        var result = await control!.SuperviseAsync(live.CallId, supervisor.AgentId, _call, SupervisionMode.Listen, _cts.Token).ConfigureAwait(false);
        if (result.Succeeded)
        {
            _handedOver = true; // the call service owns the supervisor's call now
            return Outcome(FeatureResults.Ok, watched!.AgentId);
        }

        var outcome = result.Error == CallControlError.NotAllowed ? FeatureResults.NotAllowed : FeatureResults.Failed;
        if (_call.State != SipCallState.Setup)
        {
            return Outcome(outcome, result.Reason);
        }

        return await TellAsync(outcome, result.Reason, outcome == FeatureResults.NotAllowed ? "not-allowed" : "failed").ConfigureAwait(false);
    }

    /// <summary>Answers, plays one prompt and returns the outcome (the call is hung up when the flow ends).</summary>
    private async Task<FeatureCodeOutcome> TellAsync(string result, string? detail, string prompt)
    {
        if (Answer())
        {
            await PlayAsync([Folder + prompt], _cts.Token).ConfigureAwait(false);
        }

        return Outcome(result, detail);
    }

    // ---------------------------------------------------------------- SIP and media

    /// <summary>Answers with our SDP and starts relaying the call's events (INFO digits, hangup); false after refusing.</summary>
    private bool Answer()
    {
        var parsed = SdpParser.Parse(_call.RemoteSdp.Span);
        if (_call.RemoteSdp.IsEmpty || !parsed.Success)
        {
            Refuse(488, "Not Acceptable Here", _call.RemoteSdp.IsEmpty ? "no sdp" : "bad sdp");
            return false;
        }

        _media = Deps.Media.Create("feature-" + _call.CallId);
        if (_media is null)
        {
            Refuse(503, "Service Unavailable", "no media port");
            return false;
        }

        var answer = _service.NewNegotiator(_media.LocalPort).AnswerOffer(parsed.Session!);
        if (!answer.Success)
        {
            Refuse(answer.StatusCode, answer.StatusCode == 488 ? "Not Acceptable Here" : "Bad Request", "bad sdp");
            return false;
        }

        _media.Apply(answer.Media!);
        _media.Leg.DigitReceived += OnDigit;
        if (!_call.Answer(Encoding.UTF8.GetBytes(answer.Local!.ToString())))
        {
            return false;
        }

        _ = RelayAsync();
        return true;
    }

    private void OnDigit(MediaLeg leg, DtmfDigit digit) => _digits.Writer.TryWrite(digit.Digit);

    /// <summary>The call's SIP events: INFO digits go to the leg (which reports them like RFC 4733 ones); the end cancels the flow.</summary>
    private async Task RelayAsync()
    {
        try
        {
            await foreach (var e in _call.Events.ReadAllAsync().ConfigureAwait(false))
            {
                switch (e)
                {
                    case SipCallRequest { Method: "INFO" } info when info.Request.TryGetField(SipHeaderId.ContentType, out var type):
                        _media?.Leg.OnSipInfo(info.Request.GetValueString(type), info.Request.Body.Span);
                        break;
                    case SipCallEnded:
                        Stop();
                        break;
                }
            }
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>Plays prompts (names under the prompts folder, without .wav) and waits for their end, bounded by their length.</summary>
    private async Task PlayAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var prompts = LoadPrompts(names, out var length);
        if (prompts.Count == 0 || _media is null)
        {
            return;
        }

        var leg = _media.Leg;
        var player = new PromptPlayer(prompts);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnFinished(MediaLeg l, IFrameSource source, PlaybackEnd end)
        {
            if (ReferenceEquals(source, player))
            {
                done.TrySetResult();
            }
        }

        leg.PlaybackFinished += OnFinished;
        try
        {
            leg.Play(player);

            // The leg reports the end; its length (plus a margin) bounds the wait should the media clock not run.
            await done.Task.WaitAsync(length + TimeSpan.FromSeconds(1), _service.Time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            leg.PlaybackFinished -= OnFinished;
        }
    }

    private List<Prompt> LoadPrompts(IReadOnlyList<string> names, out TimeSpan length)
    {
        var prompts = new List<Prompt>(names.Count);
        length = TimeSpan.Zero;
        foreach (var name in names)
        {
            _played.Add(name);
            if (Deps.Prompts.Get(PromptPath(name)).Prompt is { } prompt)
            {
                prompts.Add(prompt);
                length += prompt.Duration;
            }
        }

        return prompts;
    }

    private string PromptPath(string name) => Path.Combine(Options.PromptDirectory, name + ".wav");

    private bool HasPrompt(string name) => File.Exists(PromptPath(name));

    private void Refuse(int status, string phrase, string reason)
    {
        _call.Reject(status, phrase);
        Log.Refused(_service.Logger, _call.CallId, _request.Code, status, reason);
    }

    private FeatureCodeOutcome Outcome(string result, string? detail) =>
        new(_call.CallId, _request.Code, _request.Kind, _agent?.AgentId, result, detail, [.. _played]);

    private async Task FinishAsync()
    {
        if (!_handedOver)
        {
            if (_call.State == SipCallState.Setup)
            {
                _call.Reject(503, "Service Unavailable"); // shutdown or an internal error before answering
            }
            else if (_call.State == SipCallState.Answered)
            {
                _call.Hangup();
            }
        }

        if (_media is { } media)
        {
            media.Leg.DigitReceived -= OnDigit;
            await media.DisposeAsync().ConfigureAwait(false);
        }

        _digits.Writer.TryComplete();
        _cts.Dispose();
    }
}
