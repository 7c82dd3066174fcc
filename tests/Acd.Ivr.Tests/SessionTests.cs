using Acd.Ivr.Runtime;
using Acd.Ivr.Scripting;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Acd.Ivr.Tests;

public class SessionTests
{
    private const string MenuScript = """
        start: main
        nodes:
          main:
            kind: menu
            prompt: main-menu
            options: { "1": billing, "2": support }
            timeout: 5s
            invalid_prompt: invalid-option
            timeout_prompt: no-input
            max_retries: 2
            on_failure: operator
          billing:
            kind: queue
            queue: billing
            priority: 3
          support:
            kind: transfer
            uri: sip:support@example.com
          operator:
            kind: queue
            queue: general
        """;

    [Fact]
    public async Task Menu_ValidDigit_TakesOption()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript));
        await call.AtNodeAsync("main");
        call.Press("1");
        var result = await call.ResultAsync();
        var queue = Assert.IsType<IvrQueueOutcome>(result.Outcome);
        Assert.Equal(("billing", 3, "billing"), (queue.Queue, queue.Priority, queue.Node));
        Assert.Equal(["main", "billing"], result.Path);
    }

    [Fact]
    public async Task Menu_TimeoutThenDigit_ReplaysWithTimeoutPrompt()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript));
        await call.AtNodeAsync("main");
        call.Advance(TimeSpan.FromSeconds(4.9));
        await call.UntilIdleAsync(() => call.Played.Count == 1);
        call.Advance(TimeSpan.FromMilliseconds(100));
        await call.UntilIdleAsync(() => call.Played.Count == 3);
        Assert.Equal(["main-menu", "no-input", "main-menu"], call.Played);
        call.Press("2");
        var transfer = Assert.IsType<IvrTransferOutcome>((await call.ResultAsync()).Outcome);
        Assert.Equal((TransferKind.Uri, "sip:support@example.com"), (transfer.Kind, transfer.Destination));
        Assert.Equal(["main:timeout"], call.InputErrors);
    }

    [Fact]
    public async Task Menu_MaxFailures_GoesToFailureTarget()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript));
        await call.AtNodeAsync("main");
        call.Press("9");
        await call.UntilIdleAsync(() => call.InputErrors.Count == 1);
        call.Advance(TimeSpan.FromSeconds(5));
        await call.UntilIdleAsync(() => call.InputErrors.Count == 2);
        call.Press("7");
        var result = await call.ResultAsync();
        Assert.Equal("general", Assert.IsType<IvrQueueOutcome>(result.Outcome).Queue);
        Assert.Equal(["main:invalid", "main:timeout", "main:invalid"], call.InputErrors);
        Assert.Equal(["main-menu", "invalid-option", "main-menu", "no-input", "main-menu"], call.Played);
    }

    [Fact]
    public async Task Menu_DigitDuringPrompt_BargesIn()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript), configure: c => c.HoldPlayback = true);
        await call.UntilIdleAsync(() => call.Played.Count == 1);
        call.Press("1");
        await call.ResultAsync();
        Assert.Equal(1, call.PlaybacksCancelled);
    }

    private const string CollectScript = """
        start: account
        nodes:
          account:
            kind: collect
            prompt: enter-account
            min_digits: 4
            max_digits: 6
            terminator: "#"
            first_digit_timeout: 8s
            inter_digit_timeout: 3s
            pattern: "^[1-9][0-9]*$"
            variable: account
            invalid_prompt: invalid-account
            timeout_prompt: no-input
            max_retries: 1
            next: done
            on_failure: failed
          done:
            kind: queue
            queue: billing
          failed:
            kind: hangup
            prompts: goodbye
        """;

    [Fact]
    public async Task Collect_Terminator_StoresVariable()
    {
        using var call = CallHarness.Start(TestScripts.Compile(CollectScript));
        await call.AtNodeAsync("account");
        call.Press("1234#");
        var result = await call.ResultAsync();
        Assert.IsType<IvrQueueOutcome>(result.Outcome);
        Assert.Equal("1234", result.Variables["account"]);
    }

    [Fact]
    public async Task Collect_MaxDigits_FinishesWithoutTerminator()
    {
        using var call = CallHarness.Start(TestScripts.Compile(CollectScript));
        await call.AtNodeAsync("account");
        call.Press("123456");
        Assert.Equal("123456", (await call.ResultAsync()).Variables["account"]);
    }

    [Fact]
    public async Task Collect_InterDigitTimeout_FinishesInput()
    {
        using var call = CallHarness.Start(TestScripts.Compile(CollectScript));
        await call.AtNodeAsync("account");
        call.Press("98765");
        await call.UntilIdleAsync(() => call.Played.Count == 1);
        call.Advance(TimeSpan.FromSeconds(2.9));
        await call.AtNodeAsync("account");
        call.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal("98765", (await call.ResultAsync()).Variables["account"]);
    }

    [Fact]
    public async Task Collect_FirstDigitTimeoutTwice_GoesToFailure()
    {
        using var call = CallHarness.Start(TestScripts.Compile(CollectScript));
        await call.AtNodeAsync("account");
        call.Advance(TimeSpan.FromSeconds(8));
        await call.UntilIdleAsync(() => call.InputErrors.Count == 1);
        call.Advance(TimeSpan.FromSeconds(8));
        var result = await call.ResultAsync();
        Assert.IsType<IvrHangupOutcome>(result.Outcome);
        Assert.Equal(["enter-account", "no-input", "enter-account", "goodbye"], call.Played);
        Assert.False(result.Variables.ContainsKey("account"));
    }

    [Theory]
    [InlineData("12#")] // too short
    [InlineData("0123#")] // pattern: no leading zero
    public async Task Collect_InvalidEntry_RetriesWithInvalidPrompt(string entry)
    {
        using var call = CallHarness.Start(TestScripts.Compile(CollectScript));
        await call.AtNodeAsync("account");
        call.Press(entry);
        await call.UntilIdleAsync(() => call.InputErrors.Count == 1);
        Assert.Equal(["enter-account", "invalid-account", "enter-account"], call.Played);
        call.Press("5555#");
        Assert.Equal("5555", (await call.ResultAsync()).Variables["account"]);
    }

    [Fact]
    public async Task Play_BargeIn_DigitCarriesIntoNextMenu()
    {
        var script = TestScripts.Compile("""
            start: welcome
            nodes:
              welcome:
                kind: play
                prompts: [welcome, please-hold]
                barge_in: true
                next: main
              main:
                kind: menu
                prompt: main-menu
                options: { "2": bye }
                on_failure: bye
              bye:
                kind: hangup
            """);
        using var call = CallHarness.Start(script, configure: c => c.HoldPlayback = true);
        await call.UntilIdleAsync(() => call.Played.Count == 2);
        call.Press("2");
        var result = await call.ResultAsync();
        Assert.Equal(["welcome", "main", "bye"], result.Path);
        Assert.Empty(call.InputErrors);
    }

    [Fact]
    public async Task Play_WithoutBargeIn_IgnoresDigits()
    {
        var script = TestScripts.Compile("""
            start: welcome
            nodes:
              welcome:
                kind: play
                prompts: welcome
                next: main
              main:
                kind: menu
                prompt: main-menu
                options: { "2": bye }
                on_failure: bye
              bye:
                kind: hangup
            """);
        using var call = CallHarness.Start(script, configure: c => c.HoldPlayback = true);
        await call.UntilIdleAsync(() => call.Played.Count == 1);
        call.Press("2");
        await call.UntilIdleAsync(() => call.Session.CurrentNode == "welcome");
        call.FinishPlayback();
        await call.AtNodeAsync("main");
        Assert.Equal(0, call.PlaybacksCancelled);
        call.Hangup();
        Assert.IsType<IvrCallerHangupOutcome>((await call.ResultAsync()).Outcome);
    }

    [Fact]
    public async Task SetAndBranch_Expressions_ChooseRoute()
    {
        var script = TestScripts.Compile("""
            start: init
            nodes:
              init:
                kind: set
                vars:
                  vip: starts_with(caller, '+1555') and len(dialed) == 3
                  tier: "'gold'"
                  score: 40 + 2
                language: fr
                next: route
              route:
                kind: branch
                cases:
                  - if: vars.vip and vars.score >= 42 and agents_available('vip') > 0
                    goto: vip
                  - if: vars.tier == 'gold'
                    goto: gold
                else: standard
              vip:
                kind: queue
                queue: vip
                priority: 10
              gold:
                kind: queue
                queue: gold
              standard:
                kind: queue
                queue: standard
            """);
        using (var call = CallHarness.Start(script, configure: c => c.Queues["vip"] = new IvrQueueStatus(TimeSpan.Zero, 2, 0)))
        {
            var result = await call.ResultAsync();
            Assert.Equal("vip", Assert.IsType<IvrQueueOutcome>(result.Outcome).Queue);
            Assert.Equal("true", result.Variables["vip"]);
            Assert.Equal("42", result.Variables["score"]);
            Assert.Equal("fr", result.Language);
        }

        using (var call = CallHarness.Start(script, configure: c => c.Queues["vip"] = new IvrQueueStatus(TimeSpan.Zero, 0, 0)))
        {
            Assert.Equal("gold", Assert.IsType<IvrQueueOutcome>((await call.ResultAsync()).Outcome).Queue);
        }

        using (var call = CallHarness.Start(script, caller: "+441234"))
        {
            Assert.Equal("gold", Assert.IsType<IvrQueueOutcome>((await call.ResultAsync()).Outcome).Queue);
        }
    }

    [Theory]
    [InlineData(0, new[] { "you-are-caller-number", "say/1" })]
    [InlineData(20, new[] { "you-are-caller-number", "say/20", "say/1" })]
    [InlineData(341, new[] { "you-are-caller-number", "say/3", "say/hundred", "say/40", "say/2" })]
    public async Task Say_Number_ReadsPosition(int waiting, string[] expected)
    {
        var script = TestScripts.Compile("""
            start: position
            nodes:
              position:
                kind: say
                value: calls_waiting('general') + 1
                as: number
                before: you-are-caller-number
                next: bye
              bye:
                kind: hangup
            """);
        using var call = CallHarness.Start(script, configure: c => c.Queues["general"] = new IvrQueueStatus(TimeSpan.Zero, 0, waiting));
        await call.ResultAsync();
        Assert.Equal(expected, call.Played);
    }

    [Theory]
    [InlineData(30, new[] { "say/1", "say/minute" })]
    [InlineData(61, new[] { "say/2", "say/minutes" })]
    [InlineData(240, new[] { "say/4", "say/minutes" })]
    public async Task Say_Duration_RoundsUpToMinutes(int seconds, string[] expected)
    {
        var script = TestScripts.Compile("""
            start: wait
            nodes:
              wait:
                kind: say
                value: ewt('billing')
                as: duration
                before: your-estimated-wait-is-about
                next: bye
              bye:
                kind: hangup
            """);
        using var call = CallHarness.Start(script, configure: c => c.Queues["billing"] = new IvrQueueStatus(TimeSpan.FromSeconds(seconds), 0, 0));
        await call.ResultAsync();
        Assert.Equal(["your-estimated-wait-is-about", .. expected], call.Played);
    }

    [Fact]
    public async Task Say_Digits_ReadsEachDigit()
    {
        var script = TestScripts.Compile("""
            start: read
            nodes:
              read:
                kind: say
                value: caller
                as: digits
                next: bye
              bye:
                kind: hangup
            """);
        using var call = CallHarness.Start(script, caller: "+1 555-0199");
        await call.ResultAsync();
        Assert.Equal(["say/1", "say/5", "say/5", "say/5", "say/0", "say/1", "say/9", "say/9"], call.Played);
    }

    [Fact]
    public async Task Voicemail_Records_ReturnsRecordingInOutcome()
    {
        var script = TestScripts.Compile("""
            start: message
            nodes:
              message:
                kind: voicemail
                prompt: leave-message
                mailbox: billing
                max_length: 90s
                closing_prompt: message-saved
            """);
        using var call = CallHarness.Start(script);
        var result = await call.ResultAsync();
        var voicemail = Assert.IsType<IvrVoicemailOutcome>(result.Outcome);
        Assert.Equal(("billing", "/var/spool/acd/billing.wav"), (voicemail.Mailbox, voicemail.Recording.Path));
        Assert.Equal(new IvrRecordRequest("billing", TimeSpan.FromSeconds(90), true), Assert.Single(call.Recordings));
        Assert.Equal(["leave-message", "message-saved"], call.Played);
    }

    [Fact]
    public async Task Callback_DefaultsToCaller_KeepsRequestTime()
    {
        var script = TestScripts.Compile("""
            start: cb
            nodes:
              cb:
                kind: callback
                prompts: callback-confirm
                queue: support
            """);
        using var call = CallHarness.Start(script);
        var callback = Assert.IsType<IvrCallbackOutcome>((await call.ResultAsync()).Outcome);
        Assert.Equal(("support", "+15551234567", call.Time.GetUtcNow()), (callback.Queue, callback.Number, callback.RequestedAt));
    }

    [Fact]
    public async Task Transfer_ToAgentAndQueue_ReturnsTarget()
    {
        var script = TestScripts.Compile("""
            start: main
            nodes:
              main:
                kind: menu
                prompt: main-menu
                options: { "1": agent, "2": queue }
                on_failure: queue
              agent:
                kind: transfer
                agent: "1001"
              queue:
                kind: transfer
                queue: claims
            """);
        using var call = CallHarness.Start(script);
        await call.AtNodeAsync("main");
        call.Press("1");
        var transfer = Assert.IsType<IvrTransferOutcome>((await call.ResultAsync()).Outcome);
        Assert.Equal((TransferKind.Agent, "1001"), (transfer.Kind, transfer.Destination));
    }

    [Fact]
    public async Task Queue_Skills_ReturnsSkillsAndExitKey()
    {
        var script = TestScripts.Compile("""
            start: q
            nodes:
              q:
                kind: queue
                skills: [spanish, billing]
                priority: 7
                callback_offer: true
                exit_key: "*"
                on_exit: bye
              bye:
                kind: hangup
            """);
        using var call = CallHarness.Start(script);
        var queue = Assert.IsType<IvrQueueOutcome>((await call.ResultAsync()).Outcome);
        Assert.Equal(["spanish", "billing"], queue.Skills);
        Assert.Equal((7, true, (char?)'*', "bye"), (queue.Priority, queue.CallbackOffer, queue.ExitKey, queue.ExitNode));
    }

    [Fact]
    public async Task Hangup_DuringHeldPrompt_CancelsPlaybackAndEnds()
    {
        using var metrics = new IvrMetrics();
        using var active = new MetricCollector<long>(metrics.Meter, "acd_ivr_calls_active");
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript), configure: c => c.HoldPlayback = true, metrics: metrics);
        await call.UntilIdleAsync(() => call.Played.Count == 1);
        Assert.Equal(1, active.GetMeasurementSnapshot().EvaluateAsCounter());
        call.Hangup();
        var result = await call.ResultAsync();
        Assert.Equal(new IvrCallerHangupOutcome("main"), result.Outcome);
        Assert.Equal(1, call.PlaybacksCancelled);
        Assert.Equal(0, active.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.False(call.Session.PostDigit('1'));
        Assert.Equal(0, call.Timers.ActiveTimers);
    }

    [Fact]
    public async Task PlayAsync_PromptsPlayedOutAndStopped_TokenSourceReusedUntilCancelledAndAllDisposedAtTheEnd()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript), configure: c => c.HoldPlayback = true);
        await call.UntilIdleAsync(() => call.Played.Count == 1);
        call.FinishPlayback(); // played out: the menu waits for a digit
        await call.UntilIdleAsync(() => call.Timers.Fired == 0 && call.Session.CurrentNode == "main");
        call.Press("9"); // invalid: invalid-option + main-menu, on the same (reset) token source
        await call.UntilIdleAsync(() => call.Played.Count == 3);
        call.Press("8"); // stops that prompt: its source is cancelled and replaced
        await call.UntilIdleAsync(() => call.Played.Count == 5);
        call.Hangup();
        await call.ResultAsync();

        Assert.Equal(3, call.PlayTokens.Count);
        Assert.Equal(call.PlayTokens[0], call.PlayTokens[1]);
        Assert.NotEqual(call.PlayTokens[1], call.PlayTokens[2]);
        Assert.Equal(2, call.PlaybacksCancelled);
        Assert.All(call.PlayTokens, t => Assert.Throws<ObjectDisposedException>(() => t.WaitHandle)); // disposed, none leaked
    }

    [Fact]
    public async Task PlayAsync_SameNodePromptsTwice_ResolvedOnceAndShared()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript));
        await call.UntilIdleAsync(() => call.Started.Count == 1);
        call.Advance(TimeSpan.FromSeconds(5));
        await call.UntilIdleAsync(() => call.Started.Count == 2);
        call.Advance(TimeSpan.FromSeconds(5));
        await call.UntilIdleAsync(() => call.Started.Count == 3);

        Assert.Equal(["no-input", "main-menu"], call.Started[1].Select(p => p.Name));
        Assert.Same(call.Started[1], call.Started[2]);
    }

    [Fact]
    public async Task Menu_TimerFiringThatRacedARearm_IsIgnored()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript));
        await call.AtNodeAsync("main");
        call.Advance(TimeSpan.FromSeconds(5)); // timeout: replay, the session's one timer re-armed
        await call.UntilIdleAsync(() => call.InputErrors.Count == 1);

        call.Timers.FireLastNow(); // the first wait's firing, arriving after the re-arm
        call.Press("9");
        await call.UntilIdleAsync(() => call.InputErrors.Count == 2);

        Assert.Equal(["main:timeout", "main:invalid"], call.InputErrors);
        Assert.Equal(1, call.Timers.ActiveTimers);
    }

    [Fact]
    public async Task Hangup_WhileWaitingForDigit_DisposesTimer()
    {
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript));
        await call.AtNodeAsync("main");
        Assert.Equal(1, call.Timers.ActiveTimers);
        call.Hangup();
        Assert.IsType<IvrCallerHangupOutcome>((await call.ResultAsync()).Outcome);
        Assert.Equal(0, call.Timers.ActiveTimers);
    }

    [Fact]
    public async Task Metrics_NodeVisitsAndInputErrors_AreCounted()
    {
        using var metrics = new IvrMetrics();
        using var visits = new MetricCollector<long>(metrics.Meter, "acd_ivr_node_visits_total");
        using var errors = new MetricCollector<long>(metrics.Meter, "acd_ivr_input_errors_total");
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript), metrics: metrics);
        await call.AtNodeAsync("main");
        call.Press("5");
        await call.UntilIdleAsync(() => call.InputErrors.Count == 1);
        call.Press("1");
        await call.ResultAsync();
        Assert.Equal(2, visits.GetMeasurementSnapshot().Count);
        Assert.Equal("main", visits.GetMeasurementSnapshot()[0].Tags["node"]);
        var error = Assert.Single(errors.GetMeasurementSnapshot());
        Assert.Equal(("main", "invalid"), (error.Tags["node"], error.Tags["reason"]));
    }

    [Fact]
    public async Task PostDigit_InvalidKey_IsRejectedAndCounted()
    {
        using var metrics = new IvrMetrics();
        using var errors = new MetricCollector<long>(metrics.Meter, "acd_ivr_input_errors_total");
        using var call = CallHarness.Start(TestScripts.Compile(MenuScript), metrics: metrics);
        await call.AtNodeAsync("main");
        Assert.False(call.Session.PostDigit('x'));
        Assert.Equal("bad_digit", Assert.Single(errors.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task Session_StartingVariables_ScriptBranchesOnThemAndBadNamesSkipped()
    {
        var script = TestScripts.Compile("""
            name: lead
            start: route
            nodes:
              route:
                kind: branch
                cases:
                  - if: vars.balance_due == 'yes'
                    goto: billing
                else: general
              billing:
                kind: queue
                queue: billing
              general:
                kind: queue
                queue: general
            """);
        using var metrics = new IvrMetrics();
        var engine = new IvrEngine(TimeProvider.System, metrics);
        var media = new InstantMedia();
        var info = new IvrCallInfo("c", "+15550001111", "+15552223333")
        {
            Variables = new Dictionary<string, string> { ["balance_due"] = "yes", ["bad name!"] = "x" },
        };

        var result = await engine.CreateSession(script, info, media, media).RunAsync();

        Assert.Equal("billing", Assert.IsType<IvrQueueOutcome>(result.Outcome).Queue);
        Assert.Equal("yes", result.Variables["balance_due"]);
        Assert.False(result.Variables.ContainsKey("bad name!"));
        var plain = await engine.CreateSession(script, new IvrCallInfo("c", "1", "2"), media, media).RunAsync();
        Assert.Equal("general", Assert.IsType<IvrQueueOutcome>(plain.Outcome).Queue);
    }

    [Fact]
    public async Task Session_StartNode_ResumesThere()
    {
        var script = TestScripts.Compile(MenuScript);
        using var metrics = new IvrMetrics();
        var engine = new IvrEngine(TimeProvider.System, metrics);
        var media = new InstantMedia();
        var session = engine.CreateSession(script, new IvrCallInfo("c", "1", "2"), media, media, startNode: "billing");
        Assert.Equal("billing", (await session.RunAsync()).Outcome.Node);
        Assert.Throws<ArgumentException>(() => engine.CreateSession(script, new IvrCallInfo("c", "1", "2"), media, media, startNode: "nope"));
    }

    [Fact]
    public async Task Session_Inspection_ShowsNodeAndVariablesWhileRunning()
    {
        using var call = CallHarness.Start(TestScripts.Compile(CollectScript));
        await call.AtNodeAsync("account");
        Assert.Equal("account", call.Session.CurrentNode);
        Assert.Empty(call.Session.Variables);
        Assert.False(call.Session.IsEnded);
        call.Hangup();
        await call.ResultAsync();
        Assert.True(call.Session.IsEnded);
    }

    private sealed class InstantMedia : IIvrMedia, IIvrQueueInfo
    {
        public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new IvrRecording("x.wav", TimeSpan.Zero));

        public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) => ValueTask.FromResult(default(IvrQueueStatus));
    }
}

public class RunawayGuardTests
{
    [Fact]
    public async Task RunAsync_SilentCallerCyclingThroughTimeouts_StopsAtTransitionLimit()
    {
        var script = TestScripts.Compile("""
            start: main
            nodes:
              main:
                kind: menu
                prompt: main-menu
                options: { "1": bye }
                timeout: 1s
                max_retries: 0
                on_failure: sorry
              sorry:
                kind: play
                prompts: no-input
                next: main
              bye:
                kind: hangup
            """);
        var clock = new Simulation.VirtualTimeProvider(DateTimeOffset.UnixEpoch);
        using var metrics = new IvrMetrics();
        var engine = new IvrEngine(clock, metrics, options: new IvrEngineOptions { MaxTransitionsWithoutInput = 10 });
        var silent = new SilentCaller(clock);
        var session = engine.CreateSession(script, new IvrCallInfo("c", "1", "2"), silent, silent, silent);
        var result = await session.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var failed = Assert.IsType<IvrFailedOutcome>(result.Outcome);
        Assert.Contains("more than 10 transitions without caller input", failed.Reason, StringComparison.Ordinal);
        // Two transitions per 1 s timeout: the 11th transition (after the 6th timeout) trips the guard.
        Assert.Equal(TimeSpan.FromSeconds(6), clock.GetUtcNow() - DateTimeOffset.UnixEpoch);
    }

    private sealed class SilentCaller(Simulation.VirtualTimeProvider clock) : IvrObserver, IIvrMedia, IIvrQueueInfo
    {
        public Task PlayAsync(IReadOnlyList<IvrPrompt> prompts, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IvrRecording> RecordAsync(IvrRecordRequest request, CancellationToken cancellationToken) => Task.FromResult(new IvrRecording("x", TimeSpan.Zero));

        public ValueTask<IvrQueueStatus> GetStatusAsync(string queue, CancellationToken cancellationToken) => default;

        public override void Idle(IvrSession session)
        {
            if (!clock.AdvanceToNextTimer())
            {
                session.Hangup();
            }
        }
    }
}
