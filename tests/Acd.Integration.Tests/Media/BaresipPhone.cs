using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Acd.Media.Audio;
using Acd.Testing.Sipp;

namespace Acd.Integration.Tests.Media;

/// <summary>
/// One headless baresip (Debian baresip-core) on loopback: a silent aufile source, sndfile dumping what it hears
/// into its own directory, commands over ctrl_tcp (netstring JSON). Killed on dispose.
/// </summary>
internal sealed class BaresipPhone : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TcpClient _control;
    private readonly NetworkStream _stream;
    private readonly StringBuilder _received = new();
    private readonly byte[] _buffer = new byte[4096];

    private BaresipPhone(DirectoryInfo directory, Process process, TcpClient control)
    {
        Directory = directory;
        _process = process;
        _control = control;
        _stream = control.GetStream();
    }

    public DirectoryInfo Directory { get; }

    /// <summary>Starts baresip with an account on <paramref name="registrar"/> (no registration) and connects to its control port.</summary>
    public static async Task<BaresipPhone> StartAsync(string registrar)
    {
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
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "accounts"),
            $"<sip:1001@{registrar};transport=udp>;regint=0;audio_codecs=PCMU,PCMA\n");

        var start = new ProcessStartInfo("baresip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(directory.FullName);
        var process = Process.Start(start) ?? throw new InvalidOperationException("baresip did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var control = new TcpClient();
            try
            {
                await control.ConnectAsync("127.0.0.1", controlPort, deadline.Token);
                return new BaresipPhone(directory, process, control);
            }
            catch (SocketException) when (!deadline.IsCancellationRequested && !process.HasExited)
            {
                control.Dispose();
                await Task.Delay(100, CancellationToken.None); // baresip is still loading its modules
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
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {type} from baresip within {timeout}: {_received}");
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
