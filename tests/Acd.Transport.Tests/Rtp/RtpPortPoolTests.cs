using System.Net;
using System.Net.Sockets;
using Acd.Transport.Rtp;
using Xunit;

namespace Acd.Transport.Tests.Rtp;

public class RtpPortPoolTests
{
    [Fact]
    public void TryLease_SmallRange_EvenPortsUntilExhaustedThenNull()
    {
        var pool = new RtpPortPool(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = 41000, MaxPort = 41007 });
        var leases = new List<RtpPortLease>();
        try
        {
            while (pool.TryLease() is { } lease)
            {
                leases.Add(lease);
            }

            Assert.Equal(4, leases.Count);
            Assert.All(leases, l => Assert.Equal(0, l.Port % 2));
            Assert.All(leases, l => Assert.Equal(l.Port + 1, ((IPEndPoint)l.Rtcp.LocalEndPoint!).Port));
            Assert.Equal(4, pool.InUse);

            leases[1].Dispose();
            var again = pool.TryLease();
            Assert.NotNull(again);
            Assert.Equal(leases[1].Port, again!.Port);
            leases[1] = again;
        }
        finally
        {
            leases.ForEach(l => l.Dispose());
        }

        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void TryLease_PortHeldByAnotherSocket_Skipped()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 41101)); // the RTCP port of the first pair
        var pool = new RtpPortPool(new RtpPortPoolOptions { BindAddress = "127.0.0.1", MinPort = 41100, MaxPort = 41105 });
        using var lease = pool.TryLease();
        Assert.Equal(41102, lease!.Port);
    }

    [Fact]
    public void Validate_BadOptions_ReturnsEveryError()
    {
        var errors = new RtpPortPoolOptions { BindAddress = "x", MinPort = 1001, MaxPort = 1000, ReceiveBufferBytes = -1 }.Validate();
        Assert.Equal(4, errors.Count);
        Assert.Throws<ArgumentException>(() => new RtpPortPool(new RtpPortPoolOptions { MinPort = 3 }));
    }
}
