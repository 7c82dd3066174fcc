using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Acd.Integration.Tests.Deploy;

/// <summary>RTP port ranges for a node under test (overriding the harness's random one).</summary>
internal static class RtpRanges
{
    /// <summary>
    /// A <c>--Media:RtpPorts</c> argument for <paramref name="size"/> ports (a multiple of 200) that are all free now,
    /// below the kernel's ephemeral ports: load tools on a shared machine can hold thousands of ports, and a node
    /// whose range they hold refuses calls with 503.
    /// </summary>
    public static string Free(int size = 200)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = 20000 + (Random.Shared.Next(0, (12000 / size) - 1) * size);
            var sockets = new List<Socket>();
            try
            {
                for (var port = first; port < first + size; port++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    sockets.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Any, port));
                }

                return string.Create(CultureInfo.InvariantCulture, $"--Media:RtpPorts={first}-{first + size - 1}");
            }
            catch (SocketException)
            {
                // Some port of this range is taken: try another.
            }
            finally
            {
                sockets.ForEach(socket => socket.Dispose());
            }
        }

        throw new InvalidOperationException($"no free RTP range of {size} ports in 20000-31999");
    }
}
