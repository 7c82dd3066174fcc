using System.Buffers.Binary;
using Acd.Media.Codecs;

namespace Acd.Media.Audio;

/// <summary>Audio decoded from a WAV file: 16-bit mono samples at 8 kHz, whatever the file held.</summary>
public sealed record WavAudio(string Name, short[] Samples, int SourceSampleRate, int SourceChannels, WavEncoding SourceEncoding);

/// <summary>Sample encodings a WAV file may carry that we read.</summary>
public enum WavEncoding
{
    /// <summary>Linear PCM, 8 or 16 bits.</summary>
    Pcm,

    /// <summary>G.711 A-law (format tag 6).</summary>
    ALaw,

    /// <summary>G.711 mu-law (format tag 7).</summary>
    MuLaw,
}

/// <summary>The outcome of reading a WAV file: audio, or an error naming the file.</summary>
public readonly record struct WavReadResult(WavAudio? Audio, string? Error)
{
    /// <summary>Whether the file was read.</summary>
    public bool Success => Audio is not null;
}

/// <summary>
/// RIFF/WAVE reading (PCM 8/16-bit, A-law, mu-law; WAVE_FORMAT_EXTENSIBLE with a PCM sub-format), converted at
/// load to 8 kHz mono 16-bit: stereo is averaged, other rates go through <see cref="Resampler"/>.
/// </summary>
public static class WavFile
{
    /// <summary>The largest file read (an hour of 8 kHz 16-bit mono is 57.6 MB).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Reads and converts a file.</summary>
    public static WavReadResult Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new WavReadResult(null, $"WAV file '{path}' does not exist.");
            }

            if (info.Length > MaxBytes)
            {
                return new WavReadResult(null, $"WAV file '{path}' is {info.Length} bytes, more than the {MaxBytes} allowed.");
            }

            return Parse(File.ReadAllBytes(path), path);
        }
        catch (IOException ex)
        {
            return new WavReadResult(null, $"WAV file '{path}' could not be read: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            return new WavReadResult(null, $"WAV file '{path}' could not be read: {ex.Message}");
        }
    }

    /// <summary>Parses and converts the bytes of a file; <paramref name="name"/> is used in errors.</summary>
    public static WavReadResult Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            return Fail(name, "is not a RIFF/WAVE file");
        }

        var offset = 12;
        int format = -1, channels = 0, rate = 0, bits = 0, blockAlign = 0;
        ReadOnlySpan<byte> data = default;
        var haveData = false;
        while (offset + 8 <= bytes.Length)
        {
            var id = bytes.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
            var body = offset + 8;
            var available = bytes.Length - body;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || size > available)
                {
                    return Fail(name, "has a truncated fmt chunk");
                }

                format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[body..]);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 2)..]);
                rate = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes[(body + 4)..]));
                blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 12)..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 14)..]);
                if (format == 0xFFFE)
                {
                    if (size < 40)
                    {
                        return Fail(name, "has a truncated WAVE_FORMAT_EXTENSIBLE fmt chunk");
                    }

                    // The sub-format GUID starts with the format tag.
                    format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 24)..]);
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                // Streaming writers leave 0 or 0xFFFFFFFF; take what is there.
                var length = size == 0 || size > available ? available : (int)size;
                data = bytes.Slice(body, length);
                haveData = true;
                break;
            }

            offset = body + (int)Math.Min(size + (size & 1), (uint)(bytes.Length - body));
            if (size > (uint)available)
            {
                break;
            }
        }

        if (format < 0)
        {
            return Fail(name, "has no fmt chunk");
        }

        if (!haveData)
        {
            return Fail(name, "has no data chunk");
        }

        if (channels is < 1 or > 2)
        {
            return Fail(name, $"has {channels} channels; only mono and stereo are supported");
        }

        if (rate is < 4000 or > 192000)
        {
            return Fail(name, $"has a sample rate of {rate} Hz; 4000-192000 Hz are supported");
        }

        WavEncoding encoding;
        switch (format)
        {
            case 1 when bits is 8 or 16:
                encoding = WavEncoding.Pcm;
                break;
            case 6 when bits == 8:
                encoding = WavEncoding.ALaw;
                break;
            case 7 when bits == 8:
                encoding = WavEncoding.MuLaw;
                break;
            default:
                return Fail(name, $"has format tag {format} with {bits} bits per sample; supported are 8/16-bit PCM, 8-bit A-law and 8-bit mu-law");
        }

        var bytesPerSample = bits / 8;
        if (blockAlign != bytesPerSample * channels)
        {
            return Fail(name, $"has block align {blockAlign}, expected {bytesPerSample * channels}");
        }

        var frames = data.Length / blockAlign;
        var mono = new short[frames];
        for (var i = 0; i < frames; i++)
        {
            var sum = 0;
            for (var c = 0; c < channels; c++)
            {
                var at = (i * blockAlign) + (c * bytesPerSample);
                sum += encoding switch
                {
                    WavEncoding.ALaw => G711.ALawToLinear(data[at]),
                    WavEncoding.MuLaw => G711.MuLawToLinear(data[at]),
                    _ when bits == 8 => (data[at] - 128) << 8,
                    _ => BinaryPrimitives.ReadInt16LittleEndian(data[at..]),
                };
            }

            mono[i] = (short)(sum / channels);
        }

        var samples = rate == 8000 ? mono : Resampler.Resample(mono, rate, 8000);
        return new WavReadResult(new WavAudio(name, samples, rate, channels, encoding), null);
    }

    private static WavReadResult Fail(string name, string what) => new(null, $"WAV file '{name}' {what}.");
}
