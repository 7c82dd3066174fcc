using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;

namespace Acd.Integration.Tests.Dialer;

/// <summary>
/// A person's greeting for SIPp's play_pcap_audio: "Hello?" spoken by espeak-ng, made 8 kHz A-law by sox with 0.2 s of
/// silence before and <c>trailingSilence</c> after, then packed as RTP (payload type 8, 20 ms packets) in a libpcap
/// file (Ethernet, IPv4, UDP on loopback: SIPp keeps only the RTP and sends it to the call's media address).
/// </summary>
internal static class GreetingPcap
{
    private const int SamplesPerPacket = 160;

    public static async Task<string> CreateAsync(string directory, string text = "Hello?", double trailingSilence = 3.0)
    {
        var wav = Path.Combine(directory, "greeting.wav");
        var alaw = Path.Combine(directory, "greeting.al");
        var pcap = Path.Combine(directory, "greeting.pcap");
        await RunAsync("espeak-ng", "-v", "en-us", "-s", "160", "-w", wav, text);
        await RunAsync("sox", wav, "-r", "8000", "-c", "1", "-t", "al", alaw, "pad", "0.2", trailingSilence.ToString("F1", CultureInfo.InvariantCulture));
        Write(pcap, await File.ReadAllBytesAsync(alaw));
        return pcap;
    }

    private static void Write(string path, byte[] alaw)
    {
        using var file = File.Create(path);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1); // Ethernet
        file.Write(header);

        var packet = new byte[14 + 20 + 8 + 12 + SamplesPerPacket];
        Span<byte> record = stackalloc byte[16];
        for (var n = 0; n * SamplesPerPacket < alaw.Length; n++)
        {
            var payload = alaw.AsSpan(n * SamplesPerPacket, Math.Min(SamplesPerPacket, alaw.Length - (n * SamplesPerPacket)));
            var length = 14 + 20 + 8 + 12 + payload.Length;
            var p = packet.AsSpan(0, length);
            p.Clear();
            BinaryPrimitives.WriteUInt16BigEndian(p[12..], 0x0800);
            var ip = p[14..];
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(length - 14));
            ip[8] = 64;
            ip[9] = 17;
            ip[12] = 127;
            ip[15] = 1;
            ip[16] = 127;
            ip[19] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20]));
            var udp = ip[20..];
            BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 40002);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + 12 + payload.Length));
            var rtp = udp[8..];
            rtp[0] = 0x80;
            rtp[1] = (byte)(n == 0 ? 0x88 : 0x08);
            BinaryPrimitives.WriteUInt16BigEndian(rtp[2..], (ushort)n);
            BinaryPrimitives.WriteUInt32BigEndian(rtp[4..], (uint)(n * SamplesPerPacket));
            BinaryPrimitives.WriteUInt32BigEndian(rtp[8..], 0x4163_6421);
            payload.CopyTo(rtp[12..]);

            var micros = n * 20_000L;
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(1_700_000_000 + (micros / 1_000_000)));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)length);
            file.Write(record);
            file.Write(p);
        }
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException(file + " did not start");
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await error}");
        }
    }
}
