using System.Collections.Concurrent;

namespace Acd.Dialer.Compliance;

/// <summary>Where a do-not-call entry came from.</summary>
public enum DncSource
{
    /// <summary>The company-wide internal list.</summary>
    Internal,

    /// <summary>A campaign's own list.</summary>
    Campaign,

    /// <summary>An imported list (national registry extract, client suppression file).</summary>
    Imported,

    /// <summary>The callee opted out during a call (press-9, agent disposition).</summary>
    OptOut,
}

/// <summary>One entry: when and why the number may not be called.</summary>
public sealed record DncEntry(string E164, DncSource Source, string? CampaignId, DateTimeOffset AddedAt, string? Note);

/// <summary>Do-not-call lists, checked at dial time (not at import time: lists change while a campaign runs).</summary>
public interface IDoNotCallRegistry
{
    /// <summary>The entry that blocks <paramref name="e164"/> for <paramref name="campaignId"/>, if any.</summary>
    DncEntry? Find(string e164, string campaignId);

    void Add(DncEntry entry);

    /// <summary>Records an opt-out captured during a call; it blocks every campaign.</summary>
    DncEntry OptOut(string e164, string campaignId, string how);
}

/// <summary>In-memory registry: global entries (internal, imported, opt-outs) and per-campaign entries.</summary>
public sealed class InMemoryDoNotCallRegistry(TimeProvider time) : IDoNotCallRegistry
{
    private readonly ConcurrentDictionary<string, DncEntry> _global = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Campaign, string Number), DncEntry> _campaign = new();

    public int Count => _global.Count + _campaign.Count;

    public DncEntry? Find(string e164, string campaignId) =>
        _global.TryGetValue(e164, out var entry) ? entry
        : _campaign.TryGetValue((campaignId, e164), out entry) ? entry
        : null;

    public void Add(DncEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Source == DncSource.Campaign)
        {
            ArgumentException.ThrowIfNullOrEmpty(entry.CampaignId);
            _campaign[(entry.CampaignId, entry.E164)] = entry;
        }
        else
        {
            _global[entry.E164] = entry;
        }
    }

    /// <summary>Removes a campaign's own entry (opt-outs and internal or imported entries are never removed this way).</summary>
    public DncEntry? RemoveCampaignEntry(string e164, string campaignId) =>
        _campaign.TryRemove((campaignId, e164), out var entry) ? entry : null;

    public DncEntry OptOut(string e164, string campaignId, string how)
    {
        var entry = new DncEntry(e164, DncSource.OptOut, campaignId, time.GetUtcNow(), how);
        _global[e164] = entry;
        return entry;
    }

    /// <summary>Imports numbers (one per line, any format) into the registry; returns the lines that were not valid numbers.</summary>
    public IReadOnlyList<LineError> Import(TextReader reader, DncSource source, string? campaignId, string defaultRegion, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var errors = new List<LineError>();
        var line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            text = text.Trim();
            if (text.Length == 0 || text[0] == '#')
            {
                continue;
            }

            if (PhoneNumberNormaliser.TryNormalise(text, defaultRegion, out var number, out var error))
            {
                Add(new DncEntry(number!.E164, source, campaignId, time.GetUtcNow(), note));
            }
            else
            {
                errors.Add(new LineError(line, error));
            }
        }

        return errors;
    }
}

/// <summary>An input error at a 1-based line.</summary>
public sealed record LineError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}
