using System.Buffers.Binary;

namespace Acd.Testing.Media;

/// <summary>
/// Reads the RTP payloads of one payload type from a classic libpcap file (Ethernet or Linux cooked capture,
/// IPv4, UDP), in capture order. Enough for SIPp's shipped pcaps; anything else in the file is skipped.
/// </summary>
public static class PcapRtp
{
    /// <summary>The payloads of every RTP packet with <paramref name="payloadType"/> in <paramref name="path"/>.</summary>
    public static IReadOnlyList<byte[]> ReadPayloads(string path, int payloadType)
    {
        var file = File.ReadAllBytes(path);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        var littleEndian = magic is 0xa1b2c3d4 or 0xa1b23c4d;
        if (!littleEndian && BinaryPrimitives.ReadUInt32BigEndian(file) is not (0xa1b2c3d4 or 0xa1b23c4d))
        {
            throw new InvalidDataException($"{path}: not a libpcap file");
        }

        uint Read32(int offset) => littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset)) : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
        var linkType = Read32(20);
        var linkHeader = linkType switch
        {
            1 => 14, // Ethernet
            113 => 16, // Linux cooked
            _ => throw new InvalidDataException($"{path}: link type {linkType} not supported"),
        };

        var payloads = new List<byte[]>();
        for (var offset = 24; offset + 16 <= file.Length;)
        {
            var captured = (int)Read32(offset + 8);
            var packet = file.AsSpan(offset + 16, Math.Min(captured, file.Length - offset - 16));
            offset += 16 + captured;
            if (packet.Length < linkHeader + 20 || packet[linkHeader] >> 4 != 4 || packet[linkHeader + 9] != 17)
            {
                continue; // not IPv4 UDP
            }

            var udp = packet[(linkHeader + ((packet[linkHeader] & 0xf) * 4))..];
            if (udp.Length < 8 + 12)
            {
                continue;
            }

            var rtp = udp[8..];
            if (rtp[0] >> 6 != 2 || (rtp[1] & 0x7f) != payloadType)
            {
                continue;
            }

            var header = 12 + ((rtp[0] & 0xf) * 4);
            if ((rtp[0] & 0x10) != 0 && rtp.Length >= header + 4)
            {
                header += 4 + (BinaryPrimitives.ReadUInt16BigEndian(rtp[(header + 2)..]) * 4);
            }

            var end = rtp.Length;
            if ((rtp[0] & 0x20) != 0 && end > header)
            {
                end -= rtp[^1]; // padding
            }

            if (end > header)
            {
                payloads.Add(rtp[header..end].ToArray());
            }
        }

        return payloads;
    }
}
