using Acd.Integration.Tests.Sip;
using Acd.Media.Audio;

namespace Acd.Integration.Tests.Media;

/// <summary>
/// The SIP test host in media mode (<c>--media record:&lt;dir&gt;</c>, optionally <c>--media play:&lt;wav&gt;</c>) in its
/// own temporary directory, with readers for the events it writes to <c>events.log</c>.
/// </summary>
internal sealed class MediaTestHost : IAsyncDisposable
{
    private MediaTestHost(SipTestServerProcess server, DirectoryInfo directory)
    {
        Server = server;
        Directory = directory;
    }

    public SipTestServerProcess Server { get; }

    public DirectoryInfo Directory { get; }

    private string EventsPath => Path.Combine(Directory.FullName, "events.log");

    public static async Task<MediaTestHost> StartAsync(string? promptPath = null, params string[] extraArguments)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("acd-media-");
        string[] arguments = promptPath is null
            ? ["--media", $"record:{directory.FullName}", .. extraArguments]
            : ["--media", $"record:{directory.FullName}", "--media", $"play:{promptPath}", .. extraArguments];
        return new MediaTestHost(await SipTestServerProcess.StartAsync(arguments), directory);
    }

    /// <summary>Waits (bounded) until an events.log line starts with <paramref name="prefix"/>.</summary>
    public Task WaitForEventAsync(string prefix, TimeSpan timeout) =>
        WaitUntilAsync(() => Events().Any(line => line.StartsWith(prefix, StringComparison.Ordinal)), prefix, timeout);

    /// <summary>Waits (bounded) until the digits reported so far are <paramref name="digits"/>.</summary>
    public Task WaitForDigitsAsync(string digits, TimeSpan timeout) =>
        WaitUntilAsync(() => Digits() == digits, "digits " + digits, timeout);

    /// <summary>Every line of events.log so far.</summary>
    public IReadOnlyList<string> Events()
    {
        if (!File.Exists(EventsPath))
        {
            return [];
        }

        using var stream = new FileStream(EventsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Waits (bounded) for the first call to end and returns its recording, decoded.</summary>
    public async Task<short[]> WaitForRecordingAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var ended = Events().FirstOrDefault(line => line.StartsWith("ENDED ", StringComparison.Ordinal));
            if (ended is not null)
            {
                var path = ended.Split(' ')[2];
                var wav = WavFile.Read(path);
                return wav.Audio?.Samples ?? throw new InvalidOperationException($"{path}: {wav.Error}");
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException("no call ended within " + timeout + "; events: " + string.Join(" | ", Events()));
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"no {what} within {timeout}; events: " + string.Join(" | ", Events()));
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>The digits reported so far, in order.</summary>
    public string Digits() =>
        string.Concat(Events().Where(line => line.StartsWith("DIGIT ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // best effort: a file still open by a dying process
        }
    }
}
