using System.Globalization;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Testing.Media;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Media;

/// <summary>
/// Acd's media layer (RtpSession, PacingClock, SdpNegotiator, MediaLeg, PromptPlayer) on real loopback sockets,
/// against SIPp's RTP replay and echo, through the test host's media mode.
/// </summary>
public sealed class SippMediaTests
{
    private const string SippPcaps = "/usr/share/sip-tester";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "sipp", name);

    private static string[] MediaPort() => ["-mp", Sipp.FreePort().ToString(CultureInfo.InvariantCulture)];

    [Fact]
    public async Task PlayPcap_G711a_RecordingCorrelatesWithSource()
    {
        await using var host = await MediaTestHost.StartAsync();
        var result = await Sipp.RunAsync(Scenario("media_g711a.xml"), host.Server.Target, calls: 1, Timeout, MediaPort());
        Assert.True(result.ExitCode == 0, result.ToString());
        var recording = await host.WaitForRecordingAsync(TimeSpan.FromSeconds(10));

        var source = Decode(G711Law.ALaw, PcapRtp.ReadPayloads(Path.Combine(SippPcaps, "g711a.pcap"), payloadType: 8));
        Assert.True(source.Length > 6 * 8000, $"pcap decoded to {source.Length} samples");
        var match = AudioCorrelation.Best(source, recording, maxLag: 800, minOverlap: source.Length * 9 / 10);
        Assert.True(match.Correlation > 0.95, $"{match} recording {recording.Length} samples, source {source.Length}");
        Assert.InRange(recording.Length, source.Length * 95 / 100, source.Length);
    }

    [Fact]
    public async Task PlayPcap_Rfc4733Digits_EachReportedExactlyOnce()
    {
        await using var host = await MediaTestHost.StartAsync();
        var result = await Sipp.RunAsync(Scenario("media_dtmf.xml"), host.Server.Target, calls: 1, Timeout, MediaPort());
        Assert.True(result.ExitCode == 0, result.ToString());
        await host.WaitForRecordingAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("159", host.Digits());
        Assert.All(host.Events().Where(line => line.StartsWith("DIGIT ", StringComparison.Ordinal)), line => Assert.EndsWith(" Rfc4733", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlayPrompt_SippRtpEcho_EchoCorrelatesWithPrompt()
    {
        var prompt = await TestPrompt.WriteAsync(TimeSpan.FromSeconds(2.5));
        try
        {
            await using var host = await MediaTestHost.StartAsync(prompt.Path);
            var result = await Sipp.RunAsync(Scenario("media_echo.xml"), host.Server.Target, calls: 1, Timeout, [.. MediaPort(), "-rtp_echo"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            var recording = await host.WaitForRecordingAsync(TimeSpan.FromSeconds(10));

            var played = Assert.Single(host.Events(), line => line.StartsWith("PLAYED ", StringComparison.Ordinal));
            Assert.EndsWith(" Completed", played, StringComparison.Ordinal);
            Assert.InRange(recording.Length, prompt.Samples.Length * 95 / 100, prompt.Samples.Length + 160);
            var match = AudioCorrelation.Best(prompt.Samples, recording, maxLag: 800, minOverlap: prompt.Samples.Length * 9 / 10);
            Assert.True(match.Correlation > 0.95, $"{match} recording {recording.Length} samples ({Profile(recording)}), prompt {prompt.Samples.Length} ({Profile(prompt.Samples)})");
        }
        finally
        {
            File.Delete(prompt.Path);
        }
    }

    /// <summary>Peak level per 200 ms, for failure messages.</summary>
    private static string Profile(short[] samples) =>
        string.Join(',', samples.Chunk(1600).Select(chunk => chunk.Max(s => Math.Abs((int)s))));

    private static short[] Decode(G711Law law, IReadOnlyList<byte[]> payloads)
    {
        var samples = new short[payloads.Sum(p => p.Length)];
        var offset = 0;
        foreach (var payload in payloads)
        {
            G711.Decode(law, payload, samples.AsSpan(offset, payload.Length));
            offset += payload.Length;
        }

        return samples;
    }
}

/// <summary>A prompt for the wire tests: a 200-3,000 Hz sweep (unambiguous under correlation), as 8 kHz 16-bit PCM.</summary>
internal sealed record TestPrompt(string Path, short[] Samples)
{
    public static async Task<TestPrompt> WriteAsync(TimeSpan duration)
    {
        var count = (int)(duration.TotalSeconds * 8000);
        var samples = new short[count];
        var phase = 0.0;
        for (var i = 0; i < count; i++)
        {
            var frequency = 200 + (2800.0 * i / count);
            phase += 2 * Math.PI * frequency / 8000;
            var envelope = Math.Min(1.0, Math.Min(i, count - i) / 400.0);
            samples[i] = (short)(8000 * envelope * Math.Sin(phase));
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"acd-prompt-{Guid.NewGuid():N}.wav");
        await using (var writer = new WavWriter(new FileStream(path, FileMode.Create, FileAccess.Write), channels: 1))
        {
            await writer.WriteAsync(samples);
            await writer.CompleteAsync();
        }

        return new TestPrompt(path, samples);
    }
}
