using Acd.Routing;
using Acd.Routing.Redis;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Routing.Tests;

public abstract class BindingStoreContractTests
{
    protected FakeTimeProvider Clock { get; } = Cfg.Clock();

    protected abstract IBindingStore Create(TimeProvider time);

    private RegistrationBinding Binding(string contact, int seconds, long cseq = 1, double q = 1.0, string callId = "cid-1") => new()
    {
        AddressOfRecord = "sip:1001@acd.example",
        Contact = contact,
        Expires = Clock.GetUtcNow().AddSeconds(seconds),
        CallId = callId,
        CSeq = cseq,
        Q = q,
        Node = "node-a",
        Transport = "udp",
        Source = "127.0.0.1:5071",
    };

    [Fact]
    public async Task Update_NewBinding_StoredAndReturnedWithAllFields()
    {
        var store = Create(Clock);
        var b = Binding("sip:1001@127.0.0.1:5071", 60);

        Assert.Equal(BindingUpdate.Stored, await store.UpdateAsync(b));

        Assert.Equal(b, Assert.Single(await store.GetAsync("SIP:1001@acd.example")));
    }

    [Fact]
    public async Task Get_SeveralContacts_OrderedByQ()
    {
        var store = Create(Clock);
        await store.UpdateAsync(Binding("sip:desk@127.0.0.1", 60, q: 0.5, callId: "a"));
        await store.UpdateAsync(Binding("sip:mobile@127.0.0.1", 60, q: 0.9, callId: "b"));

        Assert.Equal(["sip:mobile@127.0.0.1", "sip:desk@127.0.0.1"], (await store.GetAsync("sip:1001@acd.example")).Select(b => b.Contact));
    }

    [Fact]
    public async Task Update_SameCallIdOlderCSeq_OutOfOrder()
    {
        var store = Create(Clock);
        await store.UpdateAsync(Binding("sip:x@127.0.0.1", 60, cseq: 5));

        Assert.Equal(BindingUpdate.OutOfOrder, await store.UpdateAsync(Binding("sip:x@127.0.0.1", 120, cseq: 5)));
        Assert.Equal(BindingUpdate.Stored, await store.UpdateAsync(Binding("sip:x@127.0.0.1", 120, cseq: 6)));
    }

    [Fact]
    public async Task Expiry_PassesOnClock_HiddenThenPurged()
    {
        var store = Create(Clock);
        await store.UpdateAsync(Binding("sip:x@127.0.0.1", 30));
        await store.UpdateAsync(Binding("sip:y@127.0.0.1", 90, callId: "other"));
        Clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal("sip:y@127.0.0.1", Assert.Single(await store.GetAsync("sip:1001@acd.example")).Contact);
        Assert.Equal(1, await store.PurgeExpiredAsync());
        Assert.Equal(0, await store.PurgeExpiredAsync());
    }

    [Fact]
    public async Task Update_ExpiresZero_RemovesBinding()
    {
        var store = Create(Clock);
        await store.UpdateAsync(Binding("sip:x@127.0.0.1", 60, cseq: 1));

        Assert.Equal(BindingUpdate.Removed, await store.UpdateAsync(Binding("sip:x@127.0.0.1", 0, cseq: 2)));
        Assert.Empty(await store.GetAsync("sip:1001@acd.example"));
    }

    [Fact]
    public async Task Update_ContactWithParams_KeyedByUri()
    {
        var store = Create(Clock);
        await store.UpdateAsync(Binding("<sip:x@127.0.0.1:5071;transport=udp>;+sip.instance=\"a\"", 60, cseq: 1));
        await store.UpdateAsync(Binding("<sip:x@127.0.0.1:5071;transport=udp>", 90, cseq: 2));

        var b = Assert.Single(await store.GetAsync("sip:1001@acd.example"));
        Assert.Equal(("<sip:x@127.0.0.1:5071;transport=udp>", "sip:x@127.0.0.1:5071;transport=udp"), (b.Contact, b.ContactUri));
        Assert.True(await store.RemoveAsync("sip:1001@acd.example", "sip:x@127.0.0.1:5071;transport=udp"));
    }

    [Fact]
    public async Task Remove_OneAndAll()
    {
        var store = Create(Clock);
        await store.UpdateAsync(Binding("sip:x@127.0.0.1", 60));
        await store.UpdateAsync(Binding("sip:y@127.0.0.1", 60, callId: "2"));
        await store.UpdateAsync(Binding("sip:z@127.0.0.1", 60, callId: "3"));

        Assert.True(await store.RemoveAsync("sip:1001@acd.example", "sip:x@127.0.0.1"));
        Assert.False(await store.RemoveAsync("sip:1001@acd.example", "sip:x@127.0.0.1"));
        Assert.Equal(2, await store.RemoveAllAsync("sip:1001@acd.example"));
        Assert.Empty(await store.GetAsync("sip:1001@acd.example"));
    }
}

public sealed class InMemoryBindingStoreContractTests : BindingStoreContractTests
{
    protected override IBindingStore Create(TimeProvider time) => new InMemoryBindingStore(time);
}

public sealed class RedisBindingStoreContractTests(RedisStoreFixture fixture) : BindingStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override IBindingStore Create(TimeProvider time) => new RedisBindingStore(fixture.Redis, RedisStoreFixture.UniqueOptions(), time);
}
