using System.Buffers.Binary;

namespace Acd.Media.Audio;

/// <summary>
/// Writes 16-bit PCM WAV at 8 kHz, mono or stereo (recordings: caller left, agent right). The header is written
/// first with placeholder sizes and patched on <see cref="CompleteAsync"/>, so a crashed recording is still
/// readable (readers take the data to the end of the file). The stream must be seekable to patch.
/// </summary>
public sealed class WavWriter : IAsyncDisposable
{
    private const int HeaderSize = 44;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private long _dataBytes;
    private bool _completed;

    /// <summary>Starts a file on <paramref name="stream"/>.</summary>
    public WavWriter(Stream stream, int channels, int sampleRate = 8000, bool ownsStream = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 2);
        _stream = stream;
        _ownsStream = ownsStream;
        Channels = channels;
        SampleRate = sampleRate;
        Span<byte> header = stackalloc byte[HeaderSize];
        WriteHeader(header, channels, sampleRate, 0);
        _stream.Write(header);
    }

    /// <summary>Channels per frame.</summary>
    public int Channels { get; }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>Sample frames written.</summary>
    public long FramesWritten => _dataBytes / (2 * Channels);

    /// <summary>Appends interleaved samples (L, R, L, R... for stereo).</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<short> interleaved, CancellationToken cancellationToken = default)
    {
        var bytes = new byte[interleaved.Length * 2];
        var span = interleaved.Span;
        for (var i = 0; i < span.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), span[i]);
        }

        _dataBytes += bytes.Length;
        return _stream.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Appends interleaved samples, already little-endian, through a caller's buffer (no allocation).</summary>
    public ValueTask WriteBytesAsync(ReadOnlyMemory<byte> littleEndianInterleaved, CancellationToken cancellationToken = default)
    {
        _dataBytes += littleEndianInterleaved.Length;
        return _stream.WriteAsync(littleEndianInterleaved, cancellationToken);
    }

    /// <summary>Patches the sizes in the header and flushes.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (_stream.CanSeek)
        {
            var header = new byte[HeaderSize];
            WriteHeader(header, Channels, SampleRate, _dataBytes);
            var end = _stream.Position;
            _stream.Position = 0;
            await _stream.WriteAsync(header, cancellationToken);
            _stream.Position = end;
        }

        await _stream.FlushAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CompleteAsync();
        if (_ownsStream)
        {
            await _stream.DisposeAsync();
        }
    }

    private static void WriteHeader(Span<byte> header, int channels, int sampleRate, long dataBytes)
    {
        var data = (uint)Math.Min(dataBytes, uint.MaxValue - 36);
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], data + 36);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)(sampleRate * channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)(channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], data);
    }
}
