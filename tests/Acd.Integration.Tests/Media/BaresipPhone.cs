using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Acd.Media.Audio;
using Acd.Testing.Sipp;

namespace Acd.Integration.Tests.Media;

/// <summary>
/// The baresip account: its user, display name and digest password, whether it registers (<see cref="RegisterInterval"/>
/// seconds; 0 = never) and answers calls by itself (baresip's answermode=auto).
/// </summary>
internal sealed record BaresipAccount(string User = "1001", string? DisplayName = null, string? Password = null, int RegisterInterval = 0, bool AutoAnswer = false)
{
    /// <summary>The accounts file line for an account on <paramref name="registrar"/> (host:port).</summary>
    public string Line(string registrar)
    {
        var line = new StringBuilder();
        if (DisplayName is not null)
        {
            line.Append('"').Append(DisplayName).Append("\" ");
        }

        line.Append(CultureInfo.InvariantCulture, $"<sip:{User}@{registrar};transport=udp>");
        if (Password is not null)
        {
            line.Append(";auth_pass=").Append(Password);
        }

        line.Append(CultureInfo.InvariantCulture, $";regint={RegisterInterval};audio_codecs=PCMU,PCMA");
        if (AutoAnswer)
        {
            line.Append(";answermode=auto");
        }

        return line.ToString();
    }
}

/// <summary>
/// One headless baresip (Debian baresip-core) on loopback: a silent aufile source, sndfile dumping what it hears
/// into its own directory, commands over ctrl_tcp (netstring JSON), SIP trace and console output kept
/// (<see cref="Output"/>). Killed on dispose.
/// </summary>
internal sealed class BaresipPhone : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TcpClient _control;
    private readonly NetworkStream _stream;
    private readonly StringBuilder _received = new();
    private readonly List<byte> _raw = [];
    private readonly StringBuilder _output;
    private readonly byte[] _buffer = new byte[4096];

    private BaresipPhone(DirectoryInfo directory, Process process, TcpClient control, StringBuilder output, int sipPort)
    {
        Directory = directory;
        _process = process;
        _control = control;
        _output = output;
        SipPort = sipPort;
        _stream = control.GetStream();
    }

    public DirectoryInfo Directory { get; }

    /// <summary>The UDP port baresip's SIP stack listens on (127.0.0.1).</summary>
    public int SipPort { get; }

    /// <summary>baresip's console output so far (its SIP trace included): what it logged about calls and messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The complete control messages read so far (by <see cref="WaitForEventAsync"/>), parsed from their netstrings.</summary>
    public IReadOnlyList<JsonElement> Events()
    {
        var events = new List<JsonElement>();
        var raw = _raw.ToArray().AsSpan();
        while (raw.IndexOf((byte)':') is > 0 and var colon
            && int.TryParse(raw[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            && raw.Length > colon + length + 1)
        {
            using var json = JsonDocument.Parse(raw.Slice(colon + 1, length).ToArray());
            events.Add(json.RootElement.Clone());
            raw = raw[(colon + length + 2)..];
        }

        return events;
    }

    /// <summary>Starts baresip with an account on <paramref name="registrar"/> (no registration) and connects to its control port.</summary>
    public static Task<BaresipPhone> StartAsync(string registrar) => StartAsync(registrar, new BaresipAccount());

    /// <summary>
    /// Starts baresip with <paramref name="account"/> on <paramref name="registrar"/> (host:port) and connects to its control
    /// port. A free port can be taken by a parallel test between the check and baresip's bind, which makes baresip exit at
    /// once: then it starts again on new ports (three attempts).
    /// </summary>
    public static async Task<BaresipPhone> StartAsync(string registrar, BaresipAccount account)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(registrar, account);
            }
            catch (BaresipExitedException) when (attempt < 3)
            {
            }
        }
    }

    private sealed class BaresipExitedException(string output) : Exception("baresip exited at start: " + output);

    private static async Task<BaresipPhone> StartOnceAsync(string registrar, BaresipAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var directory = System.IO.Directory.CreateTempSubdirectory("acd-baresip-media-");
        var source = Path.Combine(directory.FullName, "silence.wav");
        await using (var writer = new WavWriter(new FileStream(source, FileMode.Create, FileAccess.Write), channels: 1))
        {
            await writer.WriteAsync(new short[8000 * 30]); // aufile hangs up at the end of its file: 30 s bounds the call
            await writer.CompleteAsync();
        }

        var sipPort = Sipp.FreePort();
        var controlPort = Sipp.FreePort();
        System.IO.Directory.CreateDirectory(Path.Combine(directory.FullName, "snd"));
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "config"), string.Join('\n',
            $"sip_listen\t\t127.0.0.1:{sipPort}",
            "net_interface\t\t127.0.0.1",
            "audio_player\t\taufile,/dev/null",
            $"audio_source\t\taufile,{source}",
            "audio_alert\t\taufile,/dev/null",
            "module_path\t\t/usr/lib/baresip/modules",
            "module\t\t\tg711.so",
            "module\t\t\taufile.so",
            "module\t\t\tsndfile.so",
            "module_app\t\taccount.so",
            "module_app\t\tmenu.so", // dial, hangup, sndcode
            "module_app\t\tctrl_tcp.so",
            $"ctrl_tcp_listen\t\t127.0.0.1:{controlPort}",
            $"snd_path\t\t{Path.Combine(directory.FullName, "snd")}",
            string.Empty));
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "accounts"), account.Line(registrar) + "\n");

        var start = new ProcessStartInfo("baresip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add("-s"); // SIP trace on stdout
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(directory.FullName);
        var process = Process.Start(start) ?? throw new InvalidOperationException("baresip did not start");
        var output = new StringBuilder();
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var control = new TcpClient();
            try
            {
                await control.ConnectAsync("127.0.0.1", controlPort, deadline.Token);
                return new BaresipPhone(directory, process, control, output, sipPort);
            }
            catch (SocketException) when (!deadline.IsCancellationRequested && !process.HasExited)
            {
                control.Dispose();
                await Task.Delay(100, CancellationToken.None); // baresip is still loading its modules
            }
            catch (SocketException) when (process.HasExited)
            {
                control.Dispose();
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new BaresipExitedException(text);
            }
            catch
            {
                control.Dispose();
                process.Kill(entireProcessTree: true);
                throw;
            }
        }
    }

    /// <summary>Sends one ctrl_tcp command.</summary>
    public async Task CommandAsync(string command, string? parameters = null)
    {
        var json = JsonSerializer.Serialize(parameters is null
            ? new Dictionary<string, string> { ["command"] = command }
            : new Dictionary<string, string> { ["command"] = command, ["params"] = parameters });
        var body = Encoding.UTF8.GetBytes(json);
        var netstring = Encoding.ASCII.GetBytes(body.Length.ToString(CultureInfo.InvariantCulture) + ":")
            .Concat(body).Append((byte)',').ToArray();
        await _stream.WriteAsync(netstring);
    }

    /// <summary>Reads control output until an event of <paramref name="type"/> (e.g. CALL_ESTABLISHED) arrived, bounded.</summary>
    public async Task WaitForEventAsync(string type, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var marker = $"\"type\":\"{type}\"";
        try
        {
            while (!_received.ToString().Contains(marker, StringComparison.Ordinal))
            {
                var read = await _stream.ReadAsync(_buffer, deadline.Token);
                if (read == 0)
                {
                    throw new InvalidOperationException($"baresip closed its control connection before {type}: {_received}");
                }

                _received.Append(Encoding.UTF8.GetString(_buffer, 0, read));
                _raw.AddRange(_buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {type} from baresip within {timeout}: {_received}");
        }
    }

    /// <summary>Waits (bounded) until baresip's console output contains <paramref name="text"/>; returns the output.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var output = Output;
            if (output.Contains(text, StringComparison.Ordinal))
            {
                return output;
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"baresip did not print \"{text}\" within {timeout}: {output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>What baresip decoded from the call (sndfile's "-dec.wav" dump), once the call has closed.</summary>
    public short[] HeardAudio()
    {
        var files = System.IO.Directory.GetFiles(Path.Combine(Directory.FullName, "snd"), "*-dec.wav");
        if (files.Length != 1)
        {
            throw new InvalidOperationException($"expected one sndfile decode dump, found {files.Length}");
        }

        var wav = WavFile.Read(files[0]);
        return wav.Audio?.Samples ?? throw new InvalidOperationException($"{files[0]}: {wav.Error}");
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
