using System.Globalization;
using System.Net;
using Acd.Integration.Tests.Server;
using Acd.Testing.Redis;
using Acd.Testing.Sipp;
using Xunit;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// With Redis, a pending callback survives a restart of the node (hash <c>acd:dialer:callbacks</c>), and a campaign
/// do-not-call entry removed through the API is deleted from <c>acd:dialer:dnc</c> so it does not come back.
/// </summary>
public sealed class CallbackPersistenceTests
{
    [Fact]
    public async Task Restart_SameRedis_PendingCallbackRestoredRemovedDncEntryStaysRemoved()
    {
        await using var redis = await RedisServer.StartAsync();
        string[] node = [$"--Redis:Configuration={redis.ConnectionString}", "--Acd:Node=dialer-cb"];
        await using var setup = await DialerSetup.CreateAsync(Sipp.FreePort(), ["id,phone"], new DialerSetupOptions { ExtraCampaigns = CallbackTests.External });
        var at = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        string? id;

        // Run 1: a callback an hour ahead; a campaign DNC entry added then removed; the node is killed.
        await using (var first = await InboundCallHarness.StartAsync(null, [.. setup.ServerArgs, .. node]))
        {
            using var api = new ApiClient(first.Server.HttpAddress, ApiClient.Admin);
            id = (await api.PostAsync("/api/callbacks", $$"""{"number":"+12125550100","queue":"support","at":"{{at}}"}""")).GetProperty("id").GetString();
            await api.PostAsync("/api/campaigns/reminders/dnc", """{"number":"+12125550102","scope":"campaign"}""");
            Assert.True(await UntilAsync(redis, "HLEN acd:dialer:dnc", ":1"), "the DNC entry written");
            using (var removed = await api.SendAsync(HttpMethod.Delete, "/api/campaigns/reminders/dnc/%2B12125550102"))
            {
                Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
            }

            Assert.True(await UntilAsync(redis, "HLEN acd:dialer:callbacks", ":1"), "the callback written");
            Assert.True(await UntilAsync(redis, "HLEN acd:dialer:dnc", ":0"), "the DNC entry deleted");
            first.Server.Process.Kill(entireProcessTree: true);
            await first.Server.Process.WaitForExitAsync();
        }

        // Run 2, same Redis: the callback is pending again (same id, number, time); the removed entry is not back.
        await using var second = await InboundCallHarness.StartAsync(null, [.. setup.ServerArgs, .. node]);
        using var again = new ApiClient(second.Server.HttpAddress, ApiClient.Admin);
        var pending = Assert.Single((await again.GetAsync("/api/callbacks")).EnumerateArray());
        Assert.Equal(id, pending.GetProperty("id").GetString());
        Assert.Equal("+12125550100", pending.GetProperty("number").GetString());
        Assert.Equal(DateTimeOffset.Parse(at, CultureInfo.InvariantCulture), pending.GetProperty("at").GetDateTimeOffset());
        Assert.Contains("1 pending callbacks restored", await second.ServerLogAsync(), StringComparison.Ordinal);
        using var gone = await again.SendAsync(HttpMethod.Delete, "/api/campaigns/reminders/dnc/%2B12125550102");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        // Cancelled: gone from Redis too.
        using (var cancelled = await again.SendAsync(HttpMethod.Delete, "/api/callbacks/" + id))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        Assert.True(await UntilAsync(redis, "HLEN acd:dialer:callbacks", ":0"), "the callback deleted");
    }

    private static async Task<bool> UntilAsync(RedisServer redis, string command, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (await redis.CommandAsync(command) == expected)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
