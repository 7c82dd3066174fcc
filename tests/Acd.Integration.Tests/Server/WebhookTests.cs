using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Server;

/// <summary>
/// Webhooks on the real server: a receiver on loopback (HttpListener) gets agent state changes and the call record,
/// signed with the configured secret; with the receiver down, calls go on as usual, each event is retried with backoff
/// and the failures are counted.
/// </summary>
public sealed class WebhookTests
{
    private const string Secret = "integration-webhook-secret";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static async Task<InboundCallHarness> StartAsync(int receiverPort, string extra = "")
    {
        var file = Path.Combine(Path.GetTempPath(), $"acd-webhooks-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, $"""
            tokens:
              admin: {"{"} token: sample-admin-token, role: admin {"}"}
            webhooks:
              - name: crm
                url: http://127.0.0.1:{receiverPort.ToString(CultureInfo.InvariantCulture)}/hooks/acd
                events: [call-record, agent-state]
                secret: {Secret}
            {extra}
            """);
        return await InboundCallHarness.StartAsync(null, [$"--Api:Config={file}"]);
    }

    [Fact]
    public async Task Receiver_Up_GetsSignedAgentChangesAndTheCallRecord()
    {
        var port = Sipp.FreePort();
        using var receiver = new Receiver(port);
        await using var harness = await StartAsync(port);
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);

        var available = await receiver.NextAsync(h => h.Event == "agent-state" && h.Data.GetProperty("state").GetString() == "available", Bound);
        Assert.Equal("1002", available.Data.GetProperty("agent").GetString());
        var phone = harness.AgentAsync("agent_answer.xml", agentPort);
        var caller = await harness.CallerAsync("caller_support.xml");
        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True((await phone).ExitCode == 0);
        await receiver.NextAsync(h => h.Event == "agent-state" && h.Data.GetProperty("state").GetString() == "onCall", Bound);

        var record = await receiver.NextAsync(h => h.Event == "call-record", Bound);
        var written = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal(written.GetProperty("callId").GetString(), record.Data.GetProperty("callId").GetString());
        Assert.Equal("answered", record.Data.GetProperty("outcome").GetString());
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), record.Body)), record.Signature);
        Assert.True(await harness.WaitForMetricAsync("acd_webhook_deliveries_total{result=\"failed\"} 0"), await harness.MetricsAsync());
        Assert.DoesNotContain(Secret, await harness.ServerLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receiver_Down_CallsUnaffectedRetriedAndFailuresCounted()
    {
        var port = Sipp.FreePort(); // nothing listens there
        await using var harness = await StartAsync(port, "    max_attempts: 3\n    initial_backoff: 200ms\n    timeout: 1s");
        var agentPort = Sipp.FreePort();
        await harness.RegisterAsync("1002", agentPort);

        var phone = harness.AgentAsync("agent_answer.xml", agentPort);
        var caller = await harness.CallerAsync("caller_support.xml");

        Assert.True(caller.ExitCode == 0, caller.ToString());
        Assert.True((await phone).ExitCode == 0);
        var record = Assert.Single(await harness.RecordsAsync(1));
        Assert.Equal("answered", record.GetProperty("outcome").GetString());
        InboundCallHarness.AssertBridged(record);
        Assert.True(await harness.WaitForMetricAsync("acd_webhook_deliveries_total{result=\"retried\"}", Bound), await harness.MetricsAsync());
        var metrics = await WaitForFailedAsync(harness);
        Assert.Contains("acd_webhook_deliveries_total{result=\"delivered\"} 0", metrics, StringComparison.Ordinal);
        var log = await harness.ServerLogAsync();
        Assert.Contains("Webhook crm: gave up on call-record", log, StringComparison.Ordinal);
    }

    /// <summary>Waits (bounded) until the call record and the agent changes before it were given up (2 retries each).</summary>
    private static async Task<string> WaitForFailedAsync(InboundCallHarness harness)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var metrics = await harness.MetricsAsync();
            var failed = Value(metrics, "acd_webhook_deliveries_total{result=\"failed\"}");
            var retried = Value(metrics, "acd_webhook_deliveries_total{result=\"retried\"}");
            if ((failed >= 3 && retried == failed * 2) || DateTime.UtcNow > deadline)
            {
                Assert.True(failed >= 3 && retried == failed * 2, metrics);
                return metrics;
            }

            await Task.Delay(200);
        }
    }

    private static double Value(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();

    private sealed record Hook(string Event, JsonElement Data, byte[] Body, string? Signature);

    /// <summary>A webhook receiver on loopback: answers 204 and hands each POST to the test.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Channel<Hook> _hooks = Channel.CreateUnbounded<Hook>();
        private readonly Task _loop;

        public Receiver(int port)
        {
            _listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/hooks/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public async Task<Hook> NextAsync(Func<Hook, bool> match, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var hook = await _hooks.Reader.ReadAsync(cts.Token);
                if (match(hook))
                {
                    return hook;
                }
            }
        }

        public void Dispose()
        {
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var bytes = body.ToArray();
                var json = JsonDocument.Parse(bytes).RootElement;
                _hooks.Writer.TryWrite(new Hook(json.GetProperty("event").GetString()!, json.GetProperty("data").Clone(), bytes, context.Request.Headers["X-Acd-Signature"]));
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }
    }
}
