using System.Diagnostics;
using Acd.Media.Audio;

namespace Acd.Media.Tests.Amd;

/// <summary>
/// Human and machine greetings made at test time with espeak-ng and sox (both installed by test.sh), 8 kHz
/// 16-bit mono: a short "Hello?" then silence (human), and a long voicemail greeting followed by a 1 kHz beep
/// (machine), each over a faint noise floor like a real line.
/// </summary>
public sealed class AmdAudio : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("acd-amd-").FullName;

    public AmdAudio()
    {
        HumanHello = Make("human-hello", "en-us", 160, "Hello?", trailingSilence: 3, beep: false);
        HumanFemale = Make("human-female", "en-us+f3", 170, "Hi, who is this?", trailingSilence: 3, beep: false);
        Machine = Make("machine", "en-us", 160, "Hi, you've reached John Smith. I can't take your call right now. Please leave a message after the tone.", trailingSilence: 1, beep: true);
        MachineFast = Make("machine-fast", "en-us+f3", 190, "Hello, this is the Parker residence, leave your name and number and we'll call you back.", trailingSilence: 1, beep: true);
    }

    public short[] HumanHello { get; }

    public short[] HumanFemale { get; }

    public short[] Machine { get; }

    public short[] MachineFast { get; }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private short[] Make(string name, string voice, int speed, string text, double trailingSilence, bool beep)
    {
        var raw = Path.Combine(_dir, name + "-raw.wav");
        var speech = Path.Combine(_dir, name + "-speech.wav");
        var lead = Path.Combine(_dir, name + "-lead.wav");
        var tail = Path.Combine(_dir, name + "-tail.wav");
        var tone = Path.Combine(_dir, name + "-beep.wav");
        var joined = Path.Combine(_dir, name + "-joined.wav");
        var output = Path.Combine(_dir, name + ".wav");
        Run("espeak-ng", "-v", voice, "-s", speed.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", raw, text);
        Run("sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", speech);
        Run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", lead, "trim", "0", "0.2");
        Run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tail, "trim", "0", trailingSilence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var parts = new List<string> { lead, speech };
        if (beep)
        {
            Run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tone, "synth", "0.5", "sine", "1000", "vol", "0.5");
            parts.Add(tail);
            parts.Add(tone);
        }

        parts.Add(tail);
        Run("sox", [.. parts, joined]);

        // Faint white noise under everything (about -60 dBFS), as on a real line.
        var length = WavFile.Read(joined).Audio!.Samples.Length / 8000.0;
        var noise = Path.Combine(_dir, name + "-noise.wav");
        Run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", noise, "synth", length.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), "whitenoise", "vol", "0.002");
        Run("sox", "-m", joined, noise, output);
        var result = WavFile.Read(output);
        Assert.True(result.Success, result.Error);
        return result.Audio!.Samples;
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{file} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {error}");
    }
}
