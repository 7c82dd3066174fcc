using System.Net;
using System.Net.Sockets;

namespace Acd.Benchmarks.Shared;

/// <summary>The far end of a media load test: one loopback UDP socket, one async receive loop, counts datagrams.</summary>
internal sealed class UdpSink : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private long _received;

    public UdpSink()
    {
        _socket.ReceiveBufferSize = 8 * 1024 * 1024;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _ = Task.Run(LoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    public long Received => Interlocked.Read(ref _received);

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var buffer = GC.AllocateArray<byte>(2048, pinned: true);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token);
                Interlocked.Increment(ref _received);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }
}
