using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Acd.Sip;
using Acd.Sip.Framing;
using Acd.Sip.Transactions;

namespace Acd.Transport.Sip;

/// <summary>
/// One SIP TCP connection: a read loop that frames messages (Content-Length) with idle and half-sent-message
/// timeouts, and a write loop draining an outbox so <see cref="SipTransport.Send"/> never blocks.
/// </summary>
internal sealed class SipTcpConnection
{
    private static readonly byte[] Pong = "\r\n"u8.ToArray();
    private readonly SipTransport _transport;
    private readonly Socket _socket;
    private readonly bool _outbound;
    private readonly Channel<ReadOnlyMemory<byte>> _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _closed = new();
    private int _closing;

    public SipTcpConnection(SipTransport transport, Socket socket, long id, IPEndPoint remote, bool outbound)
    {
        _transport = transport;
        _socket = socket;
        Id = id;
        Remote = remote;
        _outbound = outbound;
        Peer = new SipPeer(remote, SipTransportProtocol.Tcp, id);
    }

    public long Id { get; }

    public IPEndPoint Remote { get; }

    public SipPeer Peer { get; }

    public bool TryEnqueue(ReadOnlyMemory<byte> message) => Volatile.Read(ref _closing) == 0 && _outbox.Writer.TryWrite(message);

    public void Start()
    {
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        if (_outbound)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await _socket.ConnectAsync(Remote, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                _transport.Metrics.Drop("connect_failed");
                Log.SendFailed(_transport.Logger, "TCP", Remote.ToString(), "connect failed");
                Close("connect_failed");
                return;
            }
        }

        var writer = WriteLoopAsync();
        var reader = ReadLoopAsync();
        await Task.WhenAll(writer, reader);
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(_closed.Token))
            {
                while (reader.TryRead(out var message))
                {
                    var sent = 0;
                    while (sent < message.Length)
                    {
                        sent += await _socket.SendAsync(message[sent..], SocketFlags.None, _closed.Token);
                    }

                    _transport.Metrics.Sent.Add(1, new KeyValuePair<string, object?>("transport", "tcp"));
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Close("write_error");
        }
    }

    private async Task ReadLoopAsync()
    {
        var options = _transport.Options;
        var framer = new SipStreamFramer(_transport.Limits);
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        int start = 0, end = 0;
        long partialSince = 0;
        var reason = "closed_by_peer";
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                    }
                    else if (buffer.Length >= options.MaxMessageBytes + 4)
                    {
                        reason = "message_too_large";
                        _transport.Metrics.Drop("tcp_too_large");
                        break;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, options.MaxMessageBytes + 4));
                        Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                TimeSpan wait;
                if (end > start)
                {
                    wait = options.PartialMessageTimeout - _transport.Time.GetElapsedTime(partialSince);
                    if (wait <= TimeSpan.Zero)
                    {
                        reason = "partial_message_timeout";
                        break;
                    }
                }
                else
                {
                    wait = options.IdleTimeout;
                }

                int read;
                using (var timeout = new CancellationTokenSource(wait, _transport.Time))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _closed.Token))
                {
                    try
                    {
                        read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, linked.Token);
                    }
                    catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_closed.IsCancellationRequested)
                    {
                        reason = end > start ? "partial_message_timeout" : "idle_timeout";
                        break;
                    }
                }

                if (read == 0)
                {
                    break;
                }

                if (end == start)
                {
                    partialSince = _transport.Time.GetTimestamp();
                }

                end += read;
                if (!Drain(framer, buffer, ref start, end, out reason))
                {
                    break;
                }

                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reason = _closed.IsCancellationRequested ? "closed" : "read_error";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Close(reason);
    }

    private bool Drain(SipStreamFramer framer, byte[] buffer, ref int start, int end, out string reason)
    {
        reason = string.Empty;
        while (start < end)
        {
            var sequence = new ReadOnlySequence<byte>(buffer, start, end - start);
            var before = sequence.Length;
            var status = framer.TryReadFrame(ref sequence, out var frame, out var error);
            var consumed = (int)(before - sequence.Length);
            switch (status)
            {
                case SipFrameStatus.NeedMoreData:
                    return true;
                case SipFrameStatus.Message:
                    start += consumed;
                    _transport.Metrics.Received.Add(1, new KeyValuePair<string, object?>("transport", "tcp"));
                    if (!_transport.Dispatch(frame.ToArray(), Peer, SipFraming.Stream))
                    {
                        reason = "bad_message";
                        return false;
                    }

                    break;
                case SipFrameStatus.Ping:
                    start += consumed;
                    TryEnqueue(Pong);
                    break;
                case SipFrameStatus.Pong:
                    start += consumed;
                    break;
                default:
                    _transport.Metrics.Drop("framing_error");
                    Log.FramingError(_transport.Logger, Remote.ToString(), error.ToString());
                    reason = "framing_error";
                    return false;
            }
        }

        return true;
    }

    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        _transport.Unregister(this, reason);
    }
}
