using System.Text;
using System.Text.Json;
using Acd.Routing;
using Acd.Server.Configuration;

namespace Acd.Server.Api;

/// <summary>
/// <c>GET /api/events</c>: <c>text/event-stream</c>. On connect, the state of every visible agent (<c>agent</c> events)
/// and the statistics of every queue (<c>queue</c>); then changes as they happen; a <c>: keep-alive</c> comment when
/// idle. An agent token sees its own agent's events and every queue's.
/// </summary>
internal static class ApiEventStream
{
    public static async Task<IResult> ServeAsync(ApiCall c)
    {
        var hub = c.Service<ApiEventHub>();
        var time = c.Service<TimeProvider>();
        var response = c.Http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var own = c.Principal.Role >= ApiRole.Supervisor ? null : c.Principal.Agent;
        var client = hub.Connect(own);
        try
        {
            await WriteAsync(response, "retry: 2000\n\n", c.Aborted).ConfigureAwait(false);
            var router = c.Service<AcdRouter>();
            foreach (var a in c.Service<ContactCenter>().Current.Agents.Where(a => own is null || a.Id == own))
            {
                if (await router.GetAgentAsync(a.Id, c.Aborted).ConfigureAwait(false) is { } s)
                {
                    var data = JsonSerializer.Serialize(new AgentStateEvent(a.Id, ApiText.State(s.State), s.Reason, DateTimeOffset.FromUnixTimeMilliseconds(s.SinceMs)),
                        ApiJson.Context.AgentStateEvent);
                    await WriteAsync(response, Format(new ApiEvent(0, "agent", data, a.Id)), c.Aborted).ConfigureAwait(false);
                }
            }

            await PumpAsync(client, response, hub.Options.KeepAlive, time, c.Aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (c.Aborted.IsCancellationRequested)
        {
            // the client went away
        }
        finally
        {
            client.Close();
        }

        return Results.Empty;
    }

    /// <summary>The wire form of one event.</summary>
    public static string Format(ApiEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var text = new StringBuilder();
        if (e.Id > 0)
        {
            text.Append("id: ").Append(e.Id).Append('\n');
        }

        text.Append("event: ").Append(e.Kind).Append('\n');
        foreach (var line in e.Data.Split('\n'))
        {
            text.Append("data: ").Append(line).Append('\n');
        }

        return text.Append('\n').ToString();
    }

    private static async Task PumpAsync(ApiEventClient client, HttpResponse response, TimeSpan keepAlive, TimeProvider time, CancellationToken cancellationToken)
    {
        var reader = client.Reader;
        Task<bool>? wait = null;
        while (true)
        {
            wait ??= reader.WaitToReadAsync(cancellationToken).AsTask();
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(keepAlive, time, idle.Token);
                if (await Task.WhenAny(wait, delay).ConfigureAwait(false) == delay)
                {
                    await WriteAsync(response, ": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await idle.CancelAsync().ConfigureAwait(false);
            }

            if (!await wait.ConfigureAwait(false))
            {
                return; // dropped as too slow, or the node is stopping
            }

            wait = null;
            var batch = new StringBuilder();
            while (reader.TryRead(out var e))
            {
                batch.Append(Format(e));
            }

            await WriteAsync(response, batch.ToString(), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
