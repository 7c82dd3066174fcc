using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Acd.Integration.Tests.Server;

/// <summary>The server's HTTP API with one of the sample tokens (deploy/sample/api.yaml; accepted from loopback).</summary>
internal sealed class ApiClient(Uri address, string? token) : IDisposable
{
    public const string Admin = "sample-admin-token";
    public const string Supervisor = "sample-supervisor-token";
    public const string Agent1002 = "sample-agent-1002-token";

    private readonly HttpClient _http = new() { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    public static readonly string[] Tokens = [Admin, Supervisor, Agent1002, "sample-agent-1001-token"];

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? asToken = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if ((asToken ?? token) is { } t)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", t);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await _http.SendAsync(request);
    }

    /// <summary>Sends and parses the JSON answer, asserting the status.</summary>
    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? json = null, int status = 200)
    {
        using var response = await SendAsync(method, path, json);
        var text = await response.Content.ReadAsStringAsync();
        Xunit.Assert.True((int)response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path) => JsonAsync(HttpMethod.Get, path);

    public Task<JsonElement> PostAsync(string path, string? json = null, int status = 200) => JsonAsync(HttpMethod.Post, path, json, status);

    /// <summary>Polls (bounded) GET <paramref name="path"/> until <paramref name="done"/> holds; returns the last answer.</summary>
    public async Task<JsonElement> WaitAsync(string path, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var body = await GetAsync(path);
            if (done(body) || DateTime.UtcNow > deadline)
            {
                return body;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Opens <c>/api/events</c>; read it with <see cref="EventStream.NextAsync"/>.</summary>
    public async Task<EventStream> EventsAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>An open event stream: events (kind, data) and comment lines, in order.</summary>
    internal sealed class EventStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public string ContentType => response.Content.Headers.ContentType?.MediaType ?? string.Empty;

        /// <summary>Reads (bounded) until <paramref name="match"/> accepts an event (kind, data), or a comment when kind is ":".</summary>
        public async Task<(string Kind, string Data)> NextAsync(Func<string, string, bool> match, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            string kind = "message", data = string.Empty;
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith(':'))
                {
                    if (match(":", line))
                    {
                        return (":", line);
                    }
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    kind = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data += line["data: ".Length..];
                }
                else if (line.Length == 0 && data.Length > 0)
                {
                    if (match(kind, data))
                    {
                        return (kind, data);
                    }

                    (kind, data) = ("message", string.Empty);
                }
            }

            throw new InvalidOperationException("the event stream ended");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }
}
