using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Acd.Media.Audio;
using Acd.Media.Clock;
using Acd.Media.Codecs;

namespace Acd.Media.Recording;

/// <summary>Which side of a bridged call a frame belongs to.</summary>
public enum RecordingChannel
{
    /// <summary>The caller: left channel.</summary>
    Caller = 0,

    /// <summary>The agent: right channel.</summary>
    Agent = 1,
}

/// <summary>
/// Records a bridged call to a stereo 16-bit WAV file (caller left, agent right). The media threads only decode
/// into a small per-side queue; every 20 ms (a paced stream) one stereo frame is taken and posted to a bounded
/// channel, and a writer task does the file I/O. When the disk falls behind, frames are dropped and counted,
/// never blocking the media path. Register on the scheduler after answer; <see cref="StopAsync"/> at hangup.
/// </summary>
public sealed class CallRecorder : IPacedStream, IAsyncDisposable
{
    private const int Frame = G711.SamplesPerFrame;
    private const int FrameBytes = Frame * 2 * 2;
    private const int Depth = 4;
    private readonly Lock _gate = new();
    private readonly short[][] _queue = new short[2 * Depth][];
    private readonly int[] _head = new int[2];
    private readonly int[] _queued = new int[2];
    private readonly Channel<byte[]> _channel;
    private readonly WavWriter _writer;
    private readonly Task _writerTask;
    private readonly MediaMetrics? _metrics;
    private bool _stopped;

    private CallRecorder(string path, WavWriter writer, int queueFrames, MediaMetrics? metrics)
    {
        Path = path;
        _writer = writer;
        _metrics = metrics;
        for (var i = 0; i < _queue.Length; i++)
        {
            _queue[i] = new short[Frame];
        }

        _channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueFrames)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writerTask = Task.Run(WriteLoopAsync);
    }

    /// <summary>The file being written (for the call record).</summary>
    public string Path { get; }

    /// <summary>Stereo frames posted to the writer.</summary>
    public long FramesQueued { get; private set; }

    /// <summary>Stereo frames dropped because the writer queue was full.</summary>
    public long FramesDropped { get; private set; }

    /// <summary>Why writing stopped (disk full, file gone); null while healthy.</summary>
    public string? Error { get; private set; }

    /// <summary>Stereo frames written to the file.</summary>
    public long FramesWritten => _writer.FramesWritten / Frame;

    /// <summary>Creates the file (and its directory) and starts the writer. <paramref name="queueFrames"/> bounds memory (250 = 5 s).</summary>
    public static CallRecorder Start(string path, MediaMetrics? metrics = null, int queueFrames = 250)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueFrames, 1);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        return new CallRecorder(path, new WavWriter(stream, channels: 2), queueFrames, metrics);
    }

    /// <summary>Audio heard from one side (called on media threads).</summary>
    public void OnAudio(RecordingChannel channel, ReadOnlySpan<byte> payload, G711Law law)
    {
        var side = (int)channel;
        var offset = 0;
        lock (_gate)
        {
            while (offset < payload.Length)
            {
                var chunk = payload.Slice(offset, Math.Min(Frame, payload.Length - offset));
                if (_queued[side] == Depth)
                {
                    _head[side] = (_head[side] + 1) % Depth;
                    _queued[side]--;
                }

                var slot = _queue[(side * Depth) + ((_head[side] + _queued[side]) % Depth)];
                G711.Decode(law, chunk, slot);
                slot.AsSpan(chunk.Length).Clear();
                _queued[side]++;
                offset += chunk.Length;
            }
        }
    }

    /// <inheritdoc />
    public void OnTick(in PacingTick tick)
    {
        if (_stopped)
        {
            return;
        }

        for (var frame = 0; frame <= tick.MissedFrames; frame++)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(FrameBytes);
            lock (_gate)
            {
                for (var side = 0; side < 2; side++)
                {
                    short[]? samples = null;
                    if (_queued[side] > 0)
                    {
                        samples = _queue[(side * Depth) + _head[side]];
                        _head[side] = (_head[side] + 1) % Depth;
                        _queued[side]--;
                    }

                    for (var i = 0; i < Frame; i++)
                    {
                        BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan((i * 4) + (side * 2)), samples is null ? (short)0 : samples[i]);
                    }
                }
            }

            if (_channel.Writer.TryWrite(buffer))
            {
                FramesQueued++;
            }
            else
            {
                ArrayPool<byte>.Shared.Return(buffer);
                FramesDropped++;
                _metrics?.Drop(RtpDropReason.RecorderBackpressure);
            }
        }
    }

    /// <summary>Stops taking frames, drains the queue and completes the file. Unregister from the scheduler first.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        _channel.Writer.TryComplete();
        await _writerTask;
        try
        {
            await _writer.DisposeAsync();
        }
        catch (IOException ex)
        {
            Error ??= $"Recording '{Path}' could not be completed: {ex.Message}";
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task WriteLoopAsync()
    {
        await foreach (var buffer in _channel.Reader.ReadAllAsync())
        {
            try
            {
                if (Error is null)
                {
                    await _writer.WriteBytesAsync(buffer.AsMemory(0, FrameBytes));
                }
            }
            catch (IOException ex)
            {
                // Disk full or gone: keep draining (the media path never waits), report on the recorder.
                Error = $"Recording '{Path}' failed: {ex.Message}";
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
