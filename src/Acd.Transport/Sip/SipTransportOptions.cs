using System.Net;

namespace Acd.Transport.Sip;

/// <summary>Where and how SIP is served over UDP and TCP, with the limits that keep floods and slow peers out.</summary>
public sealed record SipTransportOptions
{
    /// <summary>UDP listen endpoints ("127.0.0.1:5060", "[::1]:5060"; port 0 = ephemeral); default 0.0.0.0:5060.</summary>
    public IReadOnlyList<string> Udp { get; init; } = ["0.0.0.0:5060"];

    /// <summary>TCP listen endpoints; default 0.0.0.0:5060.</summary>
    public IReadOnlyList<string> Tcp { get; init; } = ["0.0.0.0:5060"];

    /// <summary>Largest message accepted or sent, bytes (default 65,535).</summary>
    public int MaxMessageBytes { get; init; } = 65_535;

    /// <summary>Requests Acd sends over UDP larger than this go over TCP (RFC 3261 18.1.1), default 1,300.</summary>
    public int UdpMtuBytes { get; init; } = 1_300;

    /// <summary>Most open TCP connections in total (default 10,000).</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Most open TCP connections from one remote address (default 64).</summary>
    public int MaxConnectionsPerAddress { get; init; } = 64;

    /// <summary>A TCP connection with no traffic for this long is closed (default 10 min).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A partly received TCP message must complete within this time, else the connection is closed (default 10 s; slowloris).</summary>
    public TimeSpan PartialMessageTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Socket receive buffer size for UDP, bytes (default 4 MiB; 0 = OS default).</summary>
    public int UdpReceiveBufferBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Concurrent receive loops per UDP socket (default: processor count, at most 4).</summary>
    public int UdpReceiveLoops { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Parses the configured endpoints; adds every bad one to <paramref name="errors"/>.</summary>
    internal static List<IPEndPoint> ParseEndPoints(IReadOnlyList<string> values, string property, List<string> errors)
    {
        var result = new List<IPEndPoint>();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } text && text.Contains(':', StringComparison.Ordinal) && IPEndPoint.TryParse(text, out var endPoint))
            {
                result.Add(endPoint);
            }
            else
            {
                errors.Add($"{property}[{i}]: '{values[i]}' is not an IP endpoint with a port.");
            }
        }

        return result;
    }

    /// <summary>Every problem with the options, each with the property it concerns; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        ParseEndPoints(Udp ?? [], nameof(Udp), errors);
        ParseEndPoints(Tcp ?? [], nameof(Tcp), errors);
        if ((Udp?.Count ?? 0) + (Tcp?.Count ?? 0) == 0)
        {
            errors.Add($"{nameof(Udp)}/{nameof(Tcp)}: configure at least one listen endpoint.");
        }

        if (MaxMessageBytes is < 512 or > 16 * 1024 * 1024)
        {
            errors.Add($"{nameof(MaxMessageBytes)}: must be 512..16 MiB (was {MaxMessageBytes}).");
        }

        if (UdpMtuBytes < 500 || UdpMtuBytes > 65_507)
        {
            errors.Add($"{nameof(UdpMtuBytes)}: must be 500..65,507 (was {UdpMtuBytes}).");
        }

        if (MaxConnections < 1)
        {
            errors.Add($"{nameof(MaxConnections)}: must be at least 1 (was {MaxConnections}).");
        }

        if (MaxConnectionsPerAddress < 1 || MaxConnectionsPerAddress > MaxConnections)
        {
            errors.Add($"{nameof(MaxConnectionsPerAddress)}: must be 1..{nameof(MaxConnections)} (was {MaxConnectionsPerAddress}).");
        }

        if (IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(IdleTimeout)}: must be positive (was {IdleTimeout}).");
        }

        if (PartialMessageTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(PartialMessageTimeout)}: must be positive (was {PartialMessageTimeout}).");
        }

        if (UdpReceiveBufferBytes < 0)
        {
            errors.Add($"{nameof(UdpReceiveBufferBytes)}: must not be negative (was {UdpReceiveBufferBytes}).");
        }

        if (UdpReceiveLoops is < 1 or > 64)
        {
            errors.Add($"{nameof(UdpReceiveLoops)}: must be 1..64 (was {UdpReceiveLoops}).");
        }

        return errors;
    }
}
