using System.Diagnostics;
using System.Globalization;
using Acd.Sip.Auth;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Sip;

/// <summary>
/// A real softphone (baresip, Debian baresip-core) registers with digest auth, refreshes and unregisters.
/// baresip 1.0 (Debian 12) implements MD5 digest only and fails the whole challenge when any offered
/// algorithm is another, so the registrar is configured MD5-only for it (SHA-256 is covered by SIPp-free tests).
/// </summary>
public sealed class BaresipRegistrationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Baresip_Md5Digest_RegistersRefreshesAndUnregisters()
    {
        await using var stack = InProcessSipStack.Start(authenticate: true, algorithms: [DigestAlgorithm.Md5], minExpires: 10);
        var dir = Directory.CreateTempSubdirectory("acd-baresip-");
        var sipPort = Sipp.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "config"), string.Join('\n',
            $"sip_listen\t\t127.0.0.1:{sipPort}",
            "net_interface\t\t127.0.0.1",
            "audio_player\t\taufile,/dev/null",
            "audio_source\t\taufile,/dev/null",
            "module_path\t\t/usr/lib/baresip/modules",
            "module\t\t\tg711.so",
            "module_app\t\taccount.so",
            string.Empty));
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "accounts"),
            $"<sip:1001@127.0.0.1:{stack.UdpEndPoint.Port};transport=udp>;auth_pass=s3cret;regint=10\n");

        var start = new ProcessStartInfo("baresip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(dir.FullName);
        using var baresip = Process.Start(start)!;
        var output = baresip.StandardOutput.ReadToEndAsync();
        try
        {
            var first = await WaitForAsync(stack, bindings => bindings.Count == 1);
            Assert.Contains($"127.0.0.1:{sipPort}", first[0].ContactUri, StringComparison.Ordinal);

            // baresip re-registers well before the 10 s expiry: the same Call-ID with a higher CSeq.
            var refreshed = await WaitForAsync(stack, bindings => bindings.Count == 1 && bindings[0].CSeq > first[0].CSeq);
            Assert.Equal(first[0].CallId, refreshed[0].CallId);

            // SIGTERM: baresip unregisters (Expires: 0) on the way out.
            using (var kill = Process.Start("kill", ["-TERM", baresip.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            await WaitForAsync(stack, bindings => bindings.Count == 0);
        }
        finally
        {
            if (!baresip.HasExited)
            {
                baresip.Kill();
            }

            await baresip.WaitForExitAsync();
            dir.Delete(recursive: true);
        }

        Assert.Contains("200 OK", await output, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<Acd.Calls.Registrar.RegistrarBinding>> WaitForAsync(
        InProcessSipStack stack, Func<IReadOnlyList<Acd.Calls.Registrar.RegistrarBinding>, bool> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var bindings = await stack.Registrar.LookupAsync("sip:1001@127.0.0.1");
            if (condition(bindings))
            {
                return bindings;
            }

            Assert.True(DateTime.UtcNow < until, $"condition not met within {Deadline}; bindings: {bindings.Count}");
            await Task.Delay(100);
        }
    }
}
