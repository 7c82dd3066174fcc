using System.Diagnostics;

namespace Acd.Testing.Server;

/// <summary>
/// The real server executable (<c>acd.dll</c>, copied next to any test assembly that references Acd.Server)
/// started as a process from the repository root, on free loopback ports. Killed on dispose.
/// </summary>
public sealed class AcdServerProcess : IAsyncDisposable
{
    private AcdServerProcess(Process process, int httpPort, int sipPort)
    {
        Process = process;
        HttpPort = httpPort;
        SipPort = sipPort;
    }

    private int _disposed;

    public Process Process { get; }

    public int HttpPort { get; }

    public int SipPort { get; }

    /// <summary>The SIP address for SIPp ("127.0.0.1:port").</summary>
    public string SipTarget => $"127.0.0.1:{SipPort}";

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>Starts the server with free HTTP and SIP ports plus <paramref name="args"/> (which may override them).</summary>
    public static AcdServerProcess Start(params string[] args) => Start(null, args);

    /// <summary>
    /// As <see cref="Start(string[])"/>, with the server's standard output (its console log) appended to
    /// <paramref name="outputFile"/> for diagnostics.
    /// </summary>
    public static AcdServerProcess StartWithOutput(string outputFile, params string[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        return Start(outputFile, args);
    }

    private static AcdServerProcess Start(string? outputFile, string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var http = Sipp.Sipp.FreePort();
        var sip = Sipp.Sipp.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "acd.dll"));
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{http}");
        start.ArgumentList.Add($"--Sip:Port={sip}");
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        if (outputFile is null)
        {
            process.OutputDataReceived += (_, _) => { };
        }
        else
        {
            var writer = new StreamWriter(new FileStream(outputFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
            process.OutputDataReceived += (_, e) =>
            {
                lock (writer)
                {
                    if (e.Data is null)
                    {
                        writer.Dispose(); // the end of the output: the process exited
                    }
                    else
                    {
                        writer.WriteLine(e.Data);
                    }
                }
            };
        }

        process.BeginOutputReadLine();
        return new AcdServerProcess(process, http, sip);
    }

    /// <summary>Waits (bounded: a real process start) until /health answers; returns its body.</summary>
    public async Task<string> WaitForHealthAsync(TimeSpan? timeout = null)
    {
        using var client = new HttpClient { BaseAddress = HttpAddress };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline && !Process.HasExited)
        {
            try
            {
                return await client.GetStringAsync(new Uri("/health", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        throw new InvalidOperationException("server did not start: " + (Process.HasExited ? await Process.StandardError.ReadToEndAsync() : "timed out"));
    }

    /// <summary>Waits (bounded) for the process to exit; returns its exit code and standard error.</summary>
    public async Task<(int Exit, string Stderr)> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var stderr = Process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException("the server did not exit in time");
        }

        return (Process.ExitCode, await stderr);
    }

    /// <summary>Kills the server (idempotent: a test may stop a node early and still dispose it at the end).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    /// <summary>The folder holding Acd.sln, above the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Acd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Acd.sln not found above " + AppContext.BaseDirectory);
    }
}
