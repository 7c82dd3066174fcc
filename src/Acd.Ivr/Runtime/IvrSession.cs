using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Acd.Ivr.Expressions;
using Acd.Ivr.Scripting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Stateless;

namespace Acd.Ivr.Runtime;

/// <summary>
/// One call in one script: a Stateless machine (FiringMode.Queued) fed only from this session's event channel
/// (digits, prompt finished, timer, recording finished, hang-up), with the current node and variables kept here,
/// outside the machine, for inspection. Create with <see cref="IvrEngine.CreateSession"/>, push caller events with
/// <see cref="PostDigit"/> and <see cref="Hangup"/>, await <see cref="RunAsync"/> for the outcome.
/// </summary>
public sealed class IvrSession : IExpressionScope
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IvrMetrics _metrics;
    private readonly IvrEngineOptions _options;
    private readonly IIvrMedia _media;
    private readonly IIvrQueueInfo _queues;
    private readonly IvrObserver? _observer;
    private readonly Channel<IvrEvent> _events = Channel.CreateUnbounded<IvrEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cancel = new();
    private readonly Dictionary<string, IvrValue> _variables = new(StringComparer.Ordinal);
    private readonly List<string> _path = [];
    private readonly List<char> _typeahead = [];
    private readonly StringBuilder _digits = new();
    private readonly List<string> _sayBuffer = [];
    private Dictionary<string, IvrQueueSnapshot>? _queueSnapshot;
    private IvrNode _state;
    private string _language;
    private int _started;
    private int _ended;
    private int _pendingDigits;
    private int _playToken;
    private bool _playing;
    // The token source of the prompt playing (or of the last one): reset and reused while no prompt was stopped
    // through it, replaced (and disposed) after a stop cancelled it.
    private CancellationTokenSource? _playCancel;
    private int _timerToken;
    private ITimer? _timer;
    private readonly Lock _timerGate = new();
    private int _armedToken;
    private long _armedAt;
    private TimeSpan _armedFor;
    private int _recordToken;
    private int _attempt;
    private int _phase;
    private int _transitionsWithoutInput;
    private Step _pending;
    private IvrNode? _entering; // entered, waiting for its queue conditions before it starts
    private StateMachine<IvrNode, string>? _machine;
    private bool[] _configured = [];
    private IvrOutcome? _terminalOutcome;

    internal IvrSession(IvrScript script, IvrCallInfo call, IIvrMedia media, IIvrQueueInfo queues, IvrObserver? observer, IvrNode start, TimeProvider time, ILogger logger, IvrMetrics metrics, IvrEngineOptions options)
    {
        Script = script;
        Call = call;
        _media = media;
        _queues = queues;
        _observer = observer;
        _state = start;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _options = options;
        _language = script.Language;
        CurrentNode = start.Name;
        foreach (var (name, value) in call.Variables ?? Enumerable.Empty<KeyValuePair<string, string>>())
        {
            if (ExpressionParser.IsVariableName(name))
            {
                SetVariable(name, IvrValue.FromString(value ?? string.Empty));
            }
        }
    }

    private enum IvrEventKind
    {
        Digit,
        PromptFinished,
        Timer,
        RecordingFinished,
        Hangup,
    }

    /// <summary>The script version this call runs (a reload does not change it).</summary>
    public IvrScript Script { get; }

    public IvrCallInfo Call { get; }

    /// <summary>The node the call is in now.</summary>
    public string CurrentNode { get; private set; }

    /// <summary>The call's prompt language.</summary>
    public string Language => _language;

    /// <summary>Digit events taken from the channel so far (for tests and diagnostics).</summary>
    internal int DigitsReceived { get; private set; }

    /// <summary>True once the session has ended (outcome decided or caller gone).</summary>
    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>A copy of the call's variables, as text.</summary>
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            lock (_variables)
            {
                return _variables.ToDictionary(kv => kv.Key, kv => kv.Value.AsString(), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Pushes a DTMF digit (0-9, *, #, A-D). False when the session has ended, the key is invalid or too many are pending.</summary>
    public bool PostDigit(char digit)
    {
        if (IsEnded || !(char.IsAsciiDigit(digit) || digit is '*' or '#' or 'A' or 'B' or 'C' or 'D'))
        {
            _metrics.InputError(Script.Name, CurrentNode, "bad_digit");
            return false;
        }

        if (Interlocked.Increment(ref _pendingDigits) > _options.MaxPendingEvents)
        {
            Interlocked.Decrement(ref _pendingDigits);
            _metrics.InputError(Script.Name, CurrentNode, "overflow");
            return false;
        }

        return _events.Writer.TryWrite(new IvrEvent(IvrEventKind.Digit, 0, digit, null));
    }

    /// <summary>The caller hung up: the machine ends at the next step and everything is released.</summary>
    public void Hangup()
    {
        _events.Writer.TryWrite(new IvrEvent(IvrEventKind.Hangup, 0, '\0', null));
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _cancel.Cancel();
        }
    }

    /// <summary>Runs the script to its outcome. Call once. Cancelling <paramref name="cancellationToken"/> is a hang-up.</summary>
    public async Task<IvrResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The session is already running.");
        }

        using var registration = cancellationToken.Register(static s => ((IvrSession)s!).Hangup(), this);
        _metrics.CallStarted(Script.Name);
        Log.SessionStarted(_logger, Call.CallId, Script.Name, _state.Name);
        IvrOutcome outcome;
        try
        {
            outcome = await RunLoopAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException || Volatile.Read(ref _ended) == 0)
        {
            Log.SessionFailed(_logger, Call.CallId, Script.Name, _state.Name, e);
            outcome = new IvrFailedOutcome(_state.Name, e.Message);
        }
        catch (OperationCanceledException)
        {
            outcome = new IvrCallerHangupOutcome(CurrentNode);
        }
        finally
        {
            Release();
            _metrics.CallEnded(Script.Name);
        }

        Log.SessionEnded(_logger, Call.CallId, Script.Name, outcome.GetType().Name, outcome.Node);
        return new IvrResult(outcome, Variables, _language, _path.ToArray());
    }

    private async Task<IvrOutcome> RunLoopAsync()
    {
        var machine = IvrMachineFactory.Create(Script, () => _state, SetState, OnEntered, includeHangup: true, lazy: true);
        _machine = machine;
        _configured = new bool[Script.Nodes.Length];
        EnsureConfigured(_state);
        OnEntered(_state);
        await FinishEntryAsync();
        var step = _pending;
        while (true)
        {
            while (step.Trigger is { } trigger)
            {
                if (++_transitionsWithoutInput > _options.MaxTransitionsWithoutInput)
                {
                    Log.RunawayScript(_logger, Call.CallId, Script.Name, _state.Name, _options.MaxTransitionsWithoutInput);
                    return new IvrFailedOutcome(_state.Name, $"more than {_options.MaxTransitionsWithoutInput} transitions without caller input");
                }

                if (Volatile.Read(ref _ended) != 0)
                {
                    return HungUp(machine);
                }

                // Synchronous transitions (entry actions only post work): Stateless' async path allocates ~25% more.
                machine.Fire(trigger);
                await FinishEntryAsync();
                step = _pending;
            }

            if (step.Outcome is { } outcome)
            {
                if (Volatile.Read(ref _ended) != 0)
                {
                    return HungUp(machine);
                }

                var node = _state.Name;
                machine.Fire(IvrMachineFactory.Done);
                Interlocked.Exchange(ref _ended, 1);
                return outcome with { Node = node };
            }

            var next = await NextEventAsync();
            if (next.Kind == IvrEventKind.Hangup || Volatile.Read(ref _ended) != 0)
            {
                return HungUp(machine);
            }

            step = OnEvent(next);
        }
    }

    /// <summary>Configures <paramref name="node"/> and every node it can lead to, before any of them is entered.</summary>
    private void EnsureConfigured(IvrNode node)
    {
        Configure(node);
        foreach (var edge in node.Edges)
        {
            Configure(edge.Target);
        }

        void Configure(IvrNode n)
        {
            if (!_configured[n.Index])
            {
                _configured[n.Index] = true;
                IvrMachineFactory.ConfigureNode(_machine!, Script, n, OnEntered, includeHangup: true);
            }
        }
    }

    private IvrOutcome HungUp(StateMachine<IvrNode, string> machine)
    {
        var node = _state.Name;
        machine.Fire(IvrMachineFactory.Hangup);
        return new IvrCallerHangupOutcome(node);
    }

    private void SetState(IvrNode node)
    {
        _state = node;
        CurrentNode = node.Name;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // one wait per event: no state machine box each time
    private async ValueTask<IvrEvent> NextEventAsync()
    {
        var reader = _events.Reader;
        if (reader.TryRead(out var ev))
        {
            return ev;
        }

        _observer?.Idle(this);
        return reader.TryRead(out ev) ? ev : await reader.ReadAsync();
    }

    // ---- entering nodes --------------------------------------------------------------------------------------

    // The machine's entry action: leave the previous node's prompt and timer, then start the node, unless it first
    // needs queue conditions (a wait): then the loop fetches them and starts it (FinishEntryAsync).
    private void OnEntered(IvrNode node)
    {
        _pending = default;
        StopPlay();
        CancelTimer();
        _attempt = 0;
        _phase = 0;
        _terminalOutcome = null;
        if (_path.Count < 1024)
        {
            _path.Add(node.Name);
        }

        if (node.Kind == IvrNodeKind.End)
        {
            return;
        }

        EnsureConfigured(node);

        _metrics.NodeVisited(Script.Name, node.Name);
        _observer?.NodeEntered(this, node.Name, node.Kind);
        if (node.Queues.Length > 0)
        {
            _entering = node;
            return;
        }

        _pending = Enter(node);
    }

    private ValueTask FinishEntryAsync() => _entering is null ? ValueTask.CompletedTask : FetchQueuesAndEnterAsync();

    private async ValueTask FetchQueuesAndEnterAsync()
    {
        var node = _entering!;
        _entering = null;
        await FetchQueuesAsync(node.Queues);
        _pending = Enter(node);
    }

    private Step Enter(IvrNode node)
    {
        switch (node)
        {
            case PlayNode play:
                Play(play.Prompts);
                return default;
            case MenuNode menu:
                StartAttempt(menu.Prompts);
                return ConsumeTypeahead();
            case CollectNode collect:
                _digits.Clear();
                StartAttempt(collect.Prompts);
                return ConsumeTypeahead();
            case BranchNode branch:
                foreach (var (condition, edge) in branch.Cases)
                {
                    if (condition.Root.Evaluate(this).IsTruthy)
                    {
                        return Step.Fire(edge.Trigger);
                    }
                }

                return Step.Fire(branch.Else.Trigger);
            case SetNode set:
                foreach (var (variable, value) in set.Assignments)
                {
                    SetVariable(variable, value.Root.Evaluate(this));
                }

                if (set.Language is { } language)
                {
                    _language = language;
                    _observer?.VariableSet(this, "language", language);
                }

                return Step.Fire(set.Next.Trigger);
            case SayNode say:
                Play(Script.PromptSets.Resolve(SayPrompts(say), _language));
                return default;
            case VoicemailNode voicemail:
                _typeahead.Clear();
                if (voicemail.Prompts.Length > 0)
                {
                    Play(voicemail.Prompts);
                }
                else
                {
                    StartRecording(voicemail);
                }

                return default;
            default:
                _typeahead.Clear();
                _terminalOutcome = TerminalOutcome(node);
                var prompts = node switch
                {
                    QueueNode q => q.Prompts,
                    TransferNode t => t.Prompts,
                    CallbackNode c => c.Prompts,
                    HangupNode h => h.Prompts,
                    _ => [],
                };
                if (prompts.Length == 0)
                {
                    return Step.End(_terminalOutcome);
                }

                Play(prompts);
                return default;
        }
    }

    private IvrOutcome TerminalOutcome(IvrNode node) => node switch
    {
        QueueNode q => new IvrQueueOutcome(q.Name, q.Queue, q.Skills, q.Priority, q.CallbackOffer, q.ExitKey, q.Exit?.TargetName),
        TransferNode t => new IvrTransferOutcome(t.Name, t.Target, t.Destination),
        CallbackNode c => new IvrCallbackOutcome(c.Name, c.Queue, c.Number?.Root.Evaluate(this).AsString() is { Length: > 0 } number ? number : Call.CallerId, _time.GetUtcNow()),
        _ => new IvrHangupOutcome(node.Name),
    };

    private List<string> SayPrompts(SayNode say)
    {
        var list = _sayBuffer;
        list.Clear();
        list.AddRange(say.Before);
        var value = say.Value.Root.Evaluate(this);
        switch (say.Mode)
        {
            case SayMode.Digits:
                SayWords.Digits(value.AsString(), list);
                break;
            case SayMode.Number:
                SayWords.Number(value.TryGetNumber(out var n) ? n : 0, list);
                break;
            default:
                SayWords.Duration(value.TryGetNumber(out var s) ? s : 0, list);
                break;
        }

        list.AddRange(say.After);
        return list;
    }

    private void StartAttempt(string[] prompts, string[]? after = null)
    {
        Play(prompts, after);
        _observer?.InputExpected(this, _state.Name);
    }

    private Step ConsumeTypeahead()
    {
        while (_typeahead.Count > 0)
        {
            var digit = _typeahead[0];
            _typeahead.RemoveAt(0);
            var step = OnDigit(digit);
            if (step.Trigger is not null || step.Outcome is not null)
            {
                return step;
            }
        }

        return default;
    }

    // ---- events -------------------------------------------------------------------------------------------------

    private Step OnEvent(IvrEvent ev)
    {
        switch (ev.Kind)
        {
            case IvrEventKind.Digit:
                Interlocked.Decrement(ref _pendingDigits);
                DigitsReceived++;
                _transitionsWithoutInput = 0;
                return OnDigit(ev.Digit);
            case IvrEventKind.PromptFinished:
                if (ev.Token != _playToken || !_playing)
                {
                    return default;
                }

                _playing = false;
                return OnPromptFinished();
            case IvrEventKind.Timer:
                return ev.Token == _timerToken ? OnTimer() : default;
            case IvrEventKind.RecordingFinished:
                return ev.Token == _recordToken && _state is VoicemailNode voicemail ? OnRecorded(voicemail, ev.Recording) : default;
            default:
                return default;
        }
    }

    private Step OnDigit(char digit)
    {
        switch (_state)
        {
            case PlayNode { BargeIn: true } play when _playing:
                StopPlay();
                _typeahead.Add(digit);
                return Step.Fire(play.Next.Trigger);
            case SayNode { BargeIn: true } say when _playing:
                StopPlay();
                _typeahead.Add(digit);
                return Step.Fire(say.Next.Trigger);
            case MenuNode menu:
                StopPlay();
                CancelTimer();
                return menu.Options.TryGetValue(digit, out var option) ? Step.Fire(option.Trigger) : Fail(menu, "invalid");
            case CollectNode collect:
                StopPlay();
                if (digit == collect.Terminator)
                {
                    return FinishCollect(collect);
                }

                if (_digits.Length < collect.MaxDigits)
                {
                    _digits.Append(digit);
                }

                if (_digits.Length >= collect.MaxDigits)
                {
                    return FinishCollect(collect);
                }

                StartTimer(collect.InterDigitTimeout);
                return default;
            default:
                // Digits where no input is expected (non-barge-in prompts, terminal nodes) are discarded.
                return default;
        }
    }

    private Step OnPromptFinished()
    {
        switch (_state)
        {
            case PlayNode play:
                return Step.Fire(play.Next.Trigger);
            case SayNode say:
                return Step.Fire(say.Next.Trigger);
            case MenuNode menu:
                StartTimer(menu.Timeout);
                return default;
            case CollectNode collect:
                if (_digits.Length == 0)
                {
                    StartTimer(collect.FirstDigitTimeout);
                }

                return default;
            case VoicemailNode voicemail:
                if (_phase == 0)
                {
                    StartRecording(voicemail);
                    return default;
                }

                return Step.End(_terminalOutcome!);
            default:
                return _terminalOutcome is null ? default : Step.End(_terminalOutcome);
        }
    }

    private Step OnTimer()
    {
        switch (_state)
        {
            case MenuNode menu:
                return Fail(menu, "timeout");
            case CollectNode collect:
                return _digits.Length == 0 ? Fail(collect, "timeout") : FinishCollect(collect);
            default:
                return default;
        }
    }

    private Step OnRecorded(VoicemailNode voicemail, IvrRecording? recording)
    {
        if (recording is null)
        {
            return Step.End(new IvrFailedOutcome(voicemail.Name, "recording failed"));
        }

        _terminalOutcome = new IvrVoicemailOutcome(voicemail.Name, voicemail.Mailbox, recording);
        if (voicemail.ClosingPrompts.Length == 0)
        {
            return Step.End(_terminalOutcome);
        }

        _phase = 2;
        Play(voicemail.ClosingPrompts);
        return default;
    }

    private Step FinishCollect(CollectNode collect)
    {
        CancelTimer();
        var text = _digits.ToString();
        if (text.Length < collect.MinDigits || (collect.Pattern is { } pattern && !Matches(pattern, text)))
        {
            return Fail(collect, "invalid");
        }

        SetVariable(collect.Variable, IvrValue.FromString(text));
        return Step.Fire(collect.Next.Trigger);
    }

    private static bool Matches(Regex pattern, string text)
    {
        try
        {
            return pattern.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private Step Fail(IvrNode node, string reason)
    {
        _metrics.InputError(Script.Name, node.Name, reason);
        _observer?.InputError(this, node.Name, reason);
        Log.InputError(_logger, Call.CallId, Script.Name, node.Name, reason, _attempt + 1);
        _attempt++;
        var (maxRetries, failure, retryPrompts, prompts) = node switch
        {
            MenuNode m => (m.MaxRetries, m.Failure, reason == "timeout" ? m.TimeoutPrompts : m.InvalidPrompts, m.Prompts),
            CollectNode c => (c.MaxRetries, c.Failure, reason == "timeout" ? c.TimeoutPrompts : c.InvalidPrompts, c.Prompts),
            _ => throw new InvalidOperationException("only menu and collect nodes take input"),
        };
        if (_attempt > maxRetries)
        {
            return Step.Fire(failure.Trigger);
        }

        _digits.Clear();
        _typeahead.Clear();
        StartAttempt(retryPrompts, prompts);
        return default;
    }

    // ---- media and timers ------------------------------------------------------------------------------------------

    /// <summary>Starts a node's prompts (<paramref name="names"/>, then <paramref name="after"/>), resolved once per script and language.</summary>
    private void Play(string[] names, string[]? after = null)
    {
        if (names.Length == 0)
        {
            (names, after) = (after ?? [], null);
        }

        Play(names.Length == 0 ? [] : Script.PromptSets.Get(names, after, _language));
    }

    /// <summary>Starts prompts; a digit stops them only where the node allows barge-in (see OnDigit).</summary>
    private void Play(IvrPrompt[] prompts)
    {
        StopPlay();
        var token = ++_playToken;
        _playing = true;
        if (prompts.Length == 0)
        {
            Post(new IvrEvent(IvrEventKind.PromptFinished, token, '\0', null));
            return;
        }

        _observer?.PromptsStarted(this, prompts);
        // Barge-in and hang-up both stop a prompt through this token (the loop handles hang-up at once). The
        // previous prompt has ended (StopPlay above, or its end was taken): its source is reused unless a stop
        // cancelled it.
        if (_playCancel is null || !_playCancel.TryReset())
        {
            _playCancel?.Dispose();
            _playCancel = new CancellationTokenSource();
        }

        Task task;
        try
        {
            task = _media.PlayAsync(prompts, _playCancel.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            task = Task.FromException(e);
        }

        if (task.IsCompletedSuccessfully)
        {
            Post(new IvrEvent(IvrEventKind.PromptFinished, token, '\0', null));
        }
        else
        {
            _ = AwaitPlayAsync(task, token);
        }
    }

    private async Task AwaitPlayAsync(Task task, int token)
    {
        // Barge-in and hang-up end the task as cancelled (the token is already stale): not thrown, not logged.
        await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (task.Exception?.InnerException is { } e and not OutOfMemoryException)
        {
            Log.MediaFailed(_logger, Call.CallId, Script.Name, CurrentNode, e);
        }

        Post(new IvrEvent(IvrEventKind.PromptFinished, token, '\0', null));
    }

    private void StopPlay()
    {
        if (!_playing)
        {
            return;
        }

        _playing = false;
        _playToken++;
        if (_playCancel is { } cancel)
        {
            _playCancel = null;
            cancel.Cancel(); // the media stops the prompt in its callback, synchronously
            cancel.Dispose();
        }
    }

    private void StartRecording(VoicemailNode voicemail)
    {
        _phase = 1;
        var token = ++_recordToken;
        Task<IvrRecording> task;
        try
        {
            task = _media.RecordAsync(new IvrRecordRequest(voicemail.Mailbox, voicemail.MaxLength, voicemail.Beep), _cancel.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            task = Task.FromException<IvrRecording>(e);
        }

        _ = AwaitRecordingAsync(task, token);
    }

    private async Task AwaitRecordingAsync(Task<IvrRecording> task, int token)
    {
        IvrRecording? recording = null;
        try
        {
            recording = await task;
        }
        catch (OperationCanceledException)
        {
            // Hang-up while recording.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.MediaFailed(_logger, Call.CallId, Script.Name, CurrentNode, e);
        }

        Post(new IvrEvent(IvrEventKind.RecordingFinished, token, '\0', recording));
    }

    // One timer per session, re-armed for each wait. A firing that raced a re-arm is told from the real one by
    // time: it comes before half the new wait has passed (timers fire at or a little after their due time).
    private void StartTimer(TimeSpan due)
    {
        CancelTimer();
        lock (_timerGate)
        {
            _armedToken = _timerToken;
            _armedAt = _time.GetTimestamp();
            _armedFor = due;
        }

        if (_timer is null)
        {
            _timer = _time.CreateTimer(static s => ((IvrSession)s!).OnTimerFired(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void CancelTimer()
    {
        _timerToken++;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void OnTimerFired()
    {
        int token;
        lock (_timerGate)
        {
            if (_time.GetElapsedTime(_armedAt) < _armedFor / 2)
            {
                return; // the previous wait's firing, late: the timer has been re-armed since
            }

            token = _armedToken;
        }

        Post(new IvrEvent(IvrEventKind.Timer, token, '\0', null));
    }

    private void Post(IvrEvent ev) => _events.Writer.TryWrite(ev);

    private async Task FetchQueuesAsync(string[] queues)
    {
        _queueSnapshot ??= new Dictionary<string, IvrQueueSnapshot>(StringComparer.Ordinal);
        foreach (var queue in queues)
        {
            try
            {
                var status = await _queues.GetStatusAsync(queue, _cancel.Token);
                _queueSnapshot[queue] = new IvrQueueSnapshot(status.EstimatedWait.TotalSeconds, status.AgentsAvailable, status.CallsWaiting);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                Log.QueueInfoFailed(_logger, Call.CallId, queue, e);
                _queueSnapshot[queue] = default;
            }
        }
    }

    private void SetVariable(string name, IvrValue value)
    {
        var text = value.AsString();
        if (text.Length > _options.MaxVariableLength)
        {
            _metrics.InputError(Script.Name, CurrentNode, "variable_too_long");
            value = IvrValue.FromString(text[.._options.MaxVariableLength]);
        }

        lock (_variables)
        {
            if (_variables.Count >= _options.MaxVariables && !_variables.ContainsKey(name))
            {
                _metrics.InputError(Script.Name, CurrentNode, "too_many_variables");
                return;
            }

            _variables[name] = value;
        }

        _observer?.VariableSet(this, "vars." + name, value.AsString());
    }

    private void Release()
    {
        Interlocked.Exchange(ref _ended, 1);
        StopPlay();
        _playCancel?.Dispose();
        _playCancel = null;
        CancelTimer();
        _timer?.Dispose();
        _timer = null;
        _events.Writer.TryComplete();
        _cancel.Cancel();
    }

    // ---- expression scope ------------------------------------------------------------------------------------------

    IvrValue IExpressionScope.GetBuiltin(Builtin builtin) => builtin switch
    {
        Builtin.Caller => IvrValue.FromString(Call.CallerId),
        Builtin.Dialed => IvrValue.FromString(Call.DialedNumber),
        Builtin.Language => IvrValue.FromString(_language),
        _ => IvrValue.FromString(Call.CallId),
    };

    IvrValue IExpressionScope.GetVariable(string name) => _variables.TryGetValue(name, out var value) ? value : IvrValue.Null;

    bool IExpressionScope.IsBusinessHours(string schedule) =>
        Script.Schedules.TryGetValue(schedule, out var s) && s.IsOpen(Instant.FromDateTimeOffset(_time.GetUtcNow()));

    bool IExpressionScope.IsHoliday(string schedule) =>
        Script.Schedules.TryGetValue(schedule, out var s) && s.IsHoliday(Instant.FromDateTimeOffset(_time.GetUtcNow()));

    IvrQueueSnapshot IExpressionScope.GetQueue(string queue) =>
        _queueSnapshot is not null && _queueSnapshot.TryGetValue(queue, out var snapshot) ? snapshot : default;

    private readonly record struct IvrEvent(IvrEventKind Kind, int Token, char Digit, IvrRecording? Recording);

    private readonly record struct Step(string? Trigger, IvrOutcome? Outcome)
    {
        public static Step Fire(string trigger) => new(trigger, null);

        public static Step End(IvrOutcome outcome) => new(null, outcome);
    }

}
