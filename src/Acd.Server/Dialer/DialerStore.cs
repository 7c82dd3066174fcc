using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Acd.Dialer.Callbacks;
using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using Acd.Dialer.Leads;
using StackExchange.Redis;

namespace Acd.Server.Dialer;

/// <summary>One dial attempt as recorded (JSON line, Redis stream entry): no secrets, the trunk by name only.</summary>
public sealed record DialAttemptRecord(
    string Campaign, string Lead, string Number, string CallId, string Node, DateTimeOffset Started, DateTimeOffset Ended, string Outcome, string? Trunk)
{
    public LeadAttempt ToAttempt() => new(Started, Ended, Enum.Parse<CallOutcome>(Outcome), Trunk, null);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DialAttemptRecord))]
[JsonSerializable(typeof(DncEntry))]
[JsonSerializable(typeof(ComplianceRecord))]
[JsonSerializable(typeof(CallbackRequest))]
internal sealed partial class DialerJsonContext : JsonSerializerContext;

/// <summary>
/// Where the dialer keeps what must survive a restart: attempts per lead (from which lead states, retry times and the
/// abandon-rate windows are rebuilt), do-not-call entries, pending callbacks, and the compliance journal.
/// </summary>
internal interface IDialerStore
{
    Task<IReadOnlyList<DialAttemptRecord>> LoadAttemptsAsync(string campaign);

    Task<IReadOnlyList<DncEntry>> LoadDoNotCallAsync();

    Task<IReadOnlyList<CallbackRequest>> LoadCallbacksAsync();

    void SaveAttempt(DialAttemptRecord record);

    void SaveDoNotCall(DncEntry entry);

    void RemoveDoNotCall(DncEntry entry);

    void SaveCallback(CallbackRequest request);

    void RemoveCallback(string id);

    void Journal(ComplianceRecord record);
}

/// <summary>Nothing survives the process (single node without Redis): the in-memory registries are the truth.</summary>
internal sealed class InMemoryDialerStore : IDialerStore
{
    public Task<IReadOnlyList<DialAttemptRecord>> LoadAttemptsAsync(string campaign) => Task.FromResult<IReadOnlyList<DialAttemptRecord>>([]);

    public Task<IReadOnlyList<DncEntry>> LoadDoNotCallAsync() => Task.FromResult<IReadOnlyList<DncEntry>>([]);

    public Task<IReadOnlyList<CallbackRequest>> LoadCallbacksAsync() => Task.FromResult<IReadOnlyList<CallbackRequest>>([]);

    public void SaveAttempt(DialAttemptRecord record)
    {
    }

    public void SaveDoNotCall(DncEntry entry)
    {
    }

    public void RemoveDoNotCall(DncEntry entry)
    {
    }

    public void SaveCallback(CallbackRequest request)
    {
    }

    public void RemoveCallback(string id)
    {
    }

    public void Journal(ComplianceRecord record)
    {
    }
}

/// <summary>
/// Redis persistence: <c>acd:dialer:attempts:{campaign}</c> (stream, one entry per attempt), <c>acd:dialer:dnc</c>
/// (hash: scope|number -> entry JSON; removals delete the field), <c>acd:dialer:callbacks</c> (hash: id -> pending callback
/// JSON, deleted once the callback is done with), <c>acd:dialer:compliance</c> (stream, capped near 1,000,000 decisions).
/// Writes are fire-and-forget (the dial path never waits on Redis); failures are counted by the multiplexer's logs.
/// </summary>
internal sealed class RedisDialerStore(IConnectionMultiplexer redis) : IDialerStore
{
    internal const string Prefix = "acd:dialer:";

    private IDatabase Db => redis.GetDatabase();

    public async Task<IReadOnlyList<DialAttemptRecord>> LoadAttemptsAsync(string campaign)
    {
        var entries = await Db.StreamRangeAsync(Prefix + "attempts:" + campaign).ConfigureAwait(false);
        var list = new List<DialAttemptRecord>(entries.Length);
        foreach (var entry in entries)
        {
            if (entry["json"] is { IsNullOrEmpty: false } json && JsonSerializer.Deserialize((string)json!, DialerJsonContext.Default.DialAttemptRecord) is { } record)
            {
                list.Add(record);
            }
        }

        return list;
    }

    public async Task<IReadOnlyList<DncEntry>> LoadDoNotCallAsync()
    {
        var all = await Db.HashGetAllAsync(Prefix + "dnc").ConfigureAwait(false);
        return all.Select(e => JsonSerializer.Deserialize((string)e.Value!, DialerJsonContext.Default.DncEntry)).OfType<DncEntry>().ToList();
    }

    public async Task<IReadOnlyList<CallbackRequest>> LoadCallbacksAsync()
    {
        var all = await Db.HashGetAllAsync(Prefix + "callbacks").ConfigureAwait(false);
        return all.Select(e => JsonSerializer.Deserialize((string)e.Value!, DialerJsonContext.Default.CallbackRequest)).OfType<CallbackRequest>().ToList();
    }

    public void SaveAttempt(DialAttemptRecord record) =>
        Db.StreamAdd(Prefix + "attempts:" + record.Campaign, "json", JsonSerializer.Serialize(record, DialerJsonContext.Default.DialAttemptRecord), flags: CommandFlags.FireAndForget);

    public void SaveDoNotCall(DncEntry entry) =>
        Db.HashSet(Prefix + "dnc", DncField(entry), JsonSerializer.Serialize(entry, DialerJsonContext.Default.DncEntry), flags: CommandFlags.FireAndForget);

    public void RemoveDoNotCall(DncEntry entry) => Db.HashDelete(Prefix + "dnc", DncField(entry), CommandFlags.FireAndForget);

    public void SaveCallback(CallbackRequest request) =>
        Db.HashSet(Prefix + "callbacks", request.Id, JsonSerializer.Serialize(request, DialerJsonContext.Default.CallbackRequest), flags: CommandFlags.FireAndForget);

    public void RemoveCallback(string id) => Db.HashDelete(Prefix + "callbacks", id, CommandFlags.FireAndForget);

    private static string DncField(DncEntry entry) => (entry.CampaignId ?? "*") + "|" + entry.E164;

    public void Journal(ComplianceRecord record) =>
        Db.StreamAdd(Prefix + "compliance", "json", JsonSerializer.Serialize(record, DialerJsonContext.Default.ComplianceRecord), maxLength: 1_000_000, useApproximateMaxLength: true, flags: CommandFlags.FireAndForget);
}

/// <summary>Do-not-call lists in memory, written through to the store (loaded back at start).</summary>
internal sealed class PersistentDoNotCallRegistry(InMemoryDoNotCallRegistry inner, IDialerStore store) : IDoNotCallRegistry
{
    public InMemoryDoNotCallRegistry Inner => inner;

    public DncEntry? Find(string e164, string campaignId) => inner.Find(e164, campaignId);

    public void Add(DncEntry entry)
    {
        inner.Add(entry);
        store.SaveDoNotCall(entry);
    }

    public DncEntry OptOut(string e164, string campaignId, string how)
    {
        var entry = inner.OptOut(e164, campaignId, how);
        store.SaveDoNotCall(entry);
        return entry;
    }

    /// <summary>Removes a campaign's own entry, in the store too (so it does not come back at the next start).</summary>
    public DncEntry? RemoveCampaignEntry(string e164, string campaignId)
    {
        var removed = inner.RemoveCampaignEntry(e164, campaignId);
        if (removed is not null)
        {
            store.RemoveDoNotCall(removed);
        }

        return removed;
    }
}

/// <summary>The compliance journal in memory (newest decisions) and in the store.</summary>
internal sealed class PersistentComplianceJournal(InMemoryComplianceJournal inner, IDialerStore store) : IComplianceJournal
{
    public InMemoryComplianceJournal Inner => inner;

    public void Write(ComplianceRecord record)
    {
        inner.Write(record);
        store.Journal(record);
    }
}

/// <summary>Every attempt as a JSON line in <c>Records:Path/dialer/attempts-yyyy-MM-dd.jsonl</c> (UTC date of the attempt's end).</summary>
internal sealed class DialAttemptFile(string directory) : IDisposable
{
    private readonly Lock _lock = new();
    private StreamWriter? _writer;
    private string? _path;

    public string Directory { get; } = Path.GetFullPath(directory);

    public void Write(DialAttemptRecord record)
    {
        var path = Path.Combine(Directory, "attempts-" + record.Ended.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".jsonl");
        var line = JsonSerializer.Serialize(record, DialerJsonContext.Default.DialAttemptRecord);
        lock (_lock)
        {
            if (_path != path)
            {
                _writer?.Dispose();
                System.IO.Directory.CreateDirectory(Directory);
                _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
                _path = path;
            }

            _writer!.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }
}
