using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Acd.Media.Codecs;

/// <summary>The two G.711 companding laws, with their static RTP payload types (RFC 3551).</summary>
public enum G711Law : byte
{
    /// <summary>mu-law, PCMU, payload type 0.</summary>
    MuLaw = 0,

    /// <summary>A-law, PCMA, payload type 8.</summary>
    ALaw = 8,
}

/// <summary>
/// ITU-T G.711 mu-law and A-law, table driven. Encoding looks a 16-bit sample up in a 64 KiB table built once
/// from the G.711 segment decision values (mu-law on 14-bit, A-law on 13-bit uniform codes, the 16-bit input
/// rounded to nearest), so it is bit-exact with the G.711 tables and with sox over all 65,536 inputs; decoding is a 256-entry table; PCMU&lt;-&gt;PCMA is a 256-byte map, which is
/// what a bridge uses when the legs' codecs differ (G.711 Tables 1a/1b, via the linear value).
/// </summary>
public static class G711
{
    /// <summary>Samples per 20 ms frame at 8 kHz; also the byte size of a G.711 frame.</summary>
    public const int SamplesPerFrame = 160;

    /// <summary>The encoded value of silence (linear 0).</summary>
    public const byte MuLawSilence = 0xFF;

    /// <summary>The encoded value of silence (linear 0).</summary>
    public const byte ALawSilence = 0xD5;

    // Declared first: static initialisers run in textual order and the tables below use these.
    private static readonly short[] MuSegmentEnds = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
    private static readonly short[] ASegmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    private static readonly short[] MuLawToLinearTable = BuildDecode(MuLawToLinearReference);
    private static readonly short[] ALawToLinearTable = BuildDecode(ALawToLinearReference);
    private static readonly byte[] LinearToMuLawTable = BuildEncode(LinearToMuLawReference);
    private static readonly byte[] LinearToALawTable = BuildEncode(LinearToALawReference);
    private static readonly byte[] MuLawToALawTable = BuildTranscode(MuLawToLinearTable, LinearToALawTable);
    private static readonly byte[] ALawToMuLawTable = BuildTranscode(ALawToLinearTable, LinearToMuLawTable);

    /// <summary>The encoded silence byte of a law.</summary>
    public static byte Silence(G711Law law) => law == G711Law.MuLaw ? MuLawSilence : ALawSilence;

    /// <summary>Decodes one mu-law byte.</summary>
    public static short MuLawToLinear(byte value) => MuLawToLinearTable[value];

    /// <summary>Decodes one A-law byte.</summary>
    public static short ALawToLinear(byte value) => ALawToLinearTable[value];

    /// <summary>Encodes one sample to mu-law.</summary>
    public static byte LinearToMuLaw(short sample) => LinearToMuLawTable[(ushort)sample];

    /// <summary>Encodes one sample to A-law.</summary>
    public static byte LinearToALaw(short sample) => LinearToALawTable[(ushort)sample];

    /// <summary>Encodes <paramref name="samples"/> into <paramref name="destination"/> (same length or longer).</summary>
    public static void Encode(G711Law law, ReadOnlySpan<short> samples, Span<byte> destination)
    {
        if (destination.Length < samples.Length)
        {
            throw new ArgumentException("Destination is shorter than the samples.", nameof(destination));
        }

        ref var table = ref MemoryMarshal.GetArrayDataReference(law == G711Law.MuLaw ? LinearToMuLawTable : LinearToALawTable);
        ref var src = ref MemoryMarshal.GetReference(samples);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var i = 0; i < samples.Length; i++)
        {
            Unsafe.Add(ref dst, i) = Unsafe.Add(ref table, (ushort)Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="destination"/> (same length or longer).</summary>
    public static void Decode(G711Law law, ReadOnlySpan<byte> encoded, Span<short> destination)
    {
        if (destination.Length < encoded.Length)
        {
            throw new ArgumentException("Destination is shorter than the encoded bytes.", nameof(destination));
        }

        ref var table = ref MemoryMarshal.GetArrayDataReference(law == G711Law.MuLaw ? MuLawToLinearTable : ALawToLinearTable);
        ref var src = ref MemoryMarshal.GetReference(encoded);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var i = 0; i < encoded.Length; i++)
        {
            Unsafe.Add(ref dst, i) = Unsafe.Add(ref table, Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Converts G.711 bytes from one law to the other (or copies when the laws are equal).</summary>
    public static void Transcode(G711Law from, G711Law to, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("Destination is shorter than the source.", nameof(destination));
        }

        if (from == to)
        {
            source.CopyTo(destination);
            return;
        }

        ref var table = ref MemoryMarshal.GetArrayDataReference(from == G711Law.MuLaw ? MuLawToALawTable : ALawToMuLawTable);
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var i = 0; i < source.Length; i++)
        {
            Unsafe.Add(ref dst, i) = Unsafe.Add(ref table, Unsafe.Add(ref src, i));
        }
    }

    /// <summary>
    /// Adds the decoded samples of <paramref name="encoded"/> into a 32-bit accumulator (the mixer's inner loop).
    /// </summary>
    internal static void DecodeAdd(G711Law law, ReadOnlySpan<byte> encoded, Span<int> accumulator)
    {
        var table = law == G711Law.MuLaw ? MuLawToLinearTable : ALawToLinearTable;
        for (var i = 0; i < encoded.Length && i < accumulator.Length; i++)
        {
            accumulator[i] += table[encoded[i]];
        }
    }

    /// <summary>Saturates a 32-bit accumulator to 16 bits, vectorised.</summary>
    internal static void Saturate(ReadOnlySpan<int> accumulator, Span<short> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && accumulator.Length >= Vector<int>.Count * 2)
        {
            var min = new Vector<int>(short.MinValue);
            var max = new Vector<int>(short.MaxValue);
            var src = MemoryMarshal.Cast<int, Vector<int>>(accumulator);
            var pairs = src.Length / 2;
            for (var v = 0; v < pairs; v++)
            {
                var a = Vector.Min(Vector.Max(src[v * 2], min), max);
                var b = Vector.Min(Vector.Max(src[(v * 2) + 1], min), max);
                Vector.Narrow(a, b).CopyTo(destination[(v * Vector<short>.Count)..]);
            }

            i = pairs * Vector<short>.Count;
        }

        for (; i < accumulator.Length; i++)
        {
            destination[i] = (short)Math.Clamp(accumulator[i], short.MinValue, short.MaxValue);
        }
    }

    // Reference algorithms (G.711 segment encoding). Only used to build the tables.

    private static int Segment(int value, short[] ends)
    {
        for (var i = 0; i < ends.Length; i++)
        {
            if (value <= ends[i])
            {
                return i;
            }
        }

        return ends.Length;
    }

    internal static byte LinearToMuLawReference(short sample)
    {
        // G.711 mu-law works on 14-bit uniform codes: round the 16-bit sample to nearest (as sox does).
        var value = Math.Min((sample + 2) >> 2, 8191);
        int mask;
        if (value < 0)
        {
            value = -value;
            mask = 0x7F;
        }
        else
        {
            mask = 0xFF;
        }

        value = Math.Min(value, 8159) + 33;
        var segment = Segment(value, MuSegmentEnds);
        if (segment >= 8)
        {
            return (byte)(0x7F ^ mask);
        }

        return (byte)(((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask);
    }

    internal static byte LinearToALawReference(short sample)
    {
        // G.711 A-law works on 13-bit uniform codes: round the 16-bit sample to nearest (as sox does).
        var value = Math.Min((sample + 4) >> 3, 4095);
        int mask;
        if (value >= 0)
        {
            mask = 0xD5;
        }
        else
        {
            mask = 0x55;
            value = -value - 1;
        }

        var segment = Segment(value, ASegmentEnds);
        if (segment >= 8)
        {
            return (byte)(0x7F ^ mask);
        }

        var result = segment << 4;
        result |= segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F;
        return (byte)(result ^ mask);
    }

    internal static short MuLawToLinearReference(byte value)
    {
        int u = ~value & 0xFF;
        var t = ((u & 0x0F) << 3) + 0x84;
        t <<= (u & 0x70) >> 4;
        return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }

    internal static short ALawToLinearReference(byte value)
    {
        int a = value ^ 0x55;
        var t = (a & 0x0F) << 4;
        var segment = (a & 0x70) >> 4;
        t = segment switch
        {
            0 => t + 8,
            1 => t + 0x108,
            _ => (t + 0x108) << (segment - 1),
        };
        return (short)((a & 0x80) != 0 ? t : -t);
    }

    private static short[] BuildDecode(Func<byte, short> decode)
    {
        var table = new short[256];
        for (var i = 0; i < 256; i++)
        {
            table[i] = decode((byte)i);
        }

        return table;
    }

    private static byte[] BuildEncode(Func<short, byte> encode)
    {
        var table = new byte[65536];
        for (var i = 0; i < 65536; i++)
        {
            table[i] = encode((short)(ushort)i);
        }

        return table;
    }

    private static byte[] BuildTranscode(short[] decode, byte[] encode)
    {
        var table = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            table[i] = encode[(ushort)decode[i]];
        }

        return table;
    }
}
