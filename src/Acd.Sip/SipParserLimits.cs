namespace Acd.Sip;

/// <summary>
/// Size limits applied before and while parsing. Every value is validated at construction
/// (<see cref="ArgumentOutOfRangeException"/>), so a limits object that exists is consistent.
/// </summary>
public sealed class SipParserLimits
{
    /// <summary>Default for <see cref="MaxMessageBytes"/>: 65,535 (the largest UDP datagram payload).</summary>
    public const int DefaultMaxMessageBytes = 65_535;

    /// <summary>Default for <see cref="MaxHeaderCount"/>.</summary>
    public const int DefaultMaxHeaderCount = 256;

    /// <summary>Default for <see cref="MaxHeaderLineBytes"/>.</summary>
    public const int DefaultMaxHeaderLineBytes = 8_192;

    /// <summary>The defaults: 65,535-byte messages, 256 header fields, 8,192-byte header fields, bodies up to the message size.</summary>
    public static SipParserLimits Default { get; } = new();

    /// <summary>Creates limits; omitted values take the documented defaults.</summary>
    /// <param name="maxMessageBytes">Largest whole message (start line, headers, body); 512..16 MiB.</param>
    /// <param name="maxHeaderCount">Most header fields (after splitting lines, not comma values); 1..65,535.</param>
    /// <param name="maxHeaderLineBytes">Longest header field including folds; 64..<paramref name="maxMessageBytes"/>; defaults to 8,192 or <paramref name="maxMessageBytes"/> if smaller.</param>
    /// <param name="maxBodyBytes">Largest body; 0..<paramref name="maxMessageBytes"/>; defaults to <paramref name="maxMessageBytes"/>.</param>
    public SipParserLimits(
        int maxMessageBytes = DefaultMaxMessageBytes,
        int maxHeaderCount = DefaultMaxHeaderCount,
        int? maxHeaderLineBytes = null,
        int? maxBodyBytes = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 512);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageBytes, 16 * 1024 * 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxHeaderCount, ushort.MaxValue);
        var line = maxHeaderLineBytes ?? Math.Min(DefaultMaxHeaderLineBytes, maxMessageBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(line, 64, nameof(maxHeaderLineBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(line, maxMessageBytes, nameof(maxHeaderLineBytes));
        var body = maxBodyBytes ?? maxMessageBytes;
        ArgumentOutOfRangeException.ThrowIfNegative(body, nameof(maxBodyBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(body, maxMessageBytes, nameof(maxBodyBytes));
        MaxMessageBytes = maxMessageBytes;
        MaxHeaderCount = maxHeaderCount;
        MaxHeaderLineBytes = line;
        MaxBodyBytes = body;
    }

    /// <summary>Largest whole message in bytes; larger input is rejected with 513 before it is parsed.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>Most header fields; more is rejected with 400.</summary>
    public int MaxHeaderCount { get; }

    /// <summary>Longest header field (name, value and folds); longer is rejected with 400.</summary>
    public int MaxHeaderLineBytes { get; }

    /// <summary>Largest body; larger (by Content-Length) is rejected with 513.</summary>
    public int MaxBodyBytes { get; }
}
