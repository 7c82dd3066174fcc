using Acd.Testing.Media;
using Xunit;

namespace Acd.Integration.Tests.Media;

/// <summary>A real softphone calls the test host in play mode: it hears the prompt, and its RFC 4733 digits are detected.</summary>
public sealed class BaresipMediaTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Baresip_CallsPromptEndpoint_HearsPromptAndItsDigitsAreDetected()
    {
        var prompt = await TestPrompt.WriteAsync(TimeSpan.FromSeconds(2.5));
        try
        {
            await using var host = await MediaTestHost.StartAsync(prompt.Path, "--no-auth");
            await using var phone = await BaresipPhone.StartAsync(host.Server.Target);
            await phone.CommandAsync("dial", $"sip:100@{host.Server.Target}");
            await phone.WaitForEventAsync("CALL_ESTABLISHED", Step);
            await host.WaitForEventAsync("PLAYED ", Step);

            await phone.CommandAsync("sndcode", "1");
            await host.WaitForEventAsync("DIGIT ", Step);
            await phone.CommandAsync("sndcode", "5");
            await host.WaitForDigitsAsync("15", Step);
            await phone.CommandAsync("hangup");
            await phone.WaitForEventAsync("CALL_CLOSED", Step);
            await host.WaitForRecordingAsync(Step);

            Assert.Equal("15", host.Digits());
            var heard = phone.HeardAudio();
            var match = AudioCorrelation.Best(prompt.Samples, heard, maxLag: 8000, minOverlap: prompt.Samples.Length * 9 / 10);
            Assert.True(match.Correlation > 0.9, $"{match} heard {heard.Length} samples, prompt {prompt.Samples.Length}");
        }
        finally
        {
            File.Delete(prompt.Path);
        }
    }
}
