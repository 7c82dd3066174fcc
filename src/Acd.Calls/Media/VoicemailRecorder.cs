using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Acd.Media;
using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Rtp;

namespace Acd.Calls.Media;

/// <summary>
/// What the caller says, to a mono 16-bit 8 kHz WAV file. Set as the leg's <see cref="MediaLeg.Forwarder"/>: the
/// media thread only decodes into a pooled buffer and posts it to a bounded channel; a writer task does the file
/// I/O. When the disk falls behind, frames are dropped and counted, never blocking the media path.
/// </summary>
internal sealed class VoicemailRecorder : IMediaForwarder, IAsyncDisposable
{
    private readonly Channel<Chunk> _channel;
    private readonly WavWriter _writer;
    private readonly Task _writerTask;
    private long _dropped;

    private VoicemailRecorder(string path, WavWriter writer, int queueFrames)
    {
        Path = path;
        _writer = writer;
        _channel = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(queueFrames)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the media thread drops, never waits
        });
        _writerTask = Task.Run(WriteLoopAsync);
    }

    public string Path { get; }

    /// <summary>Frames dropped because the writer queue was full.</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Why writing failed (disk full, file gone); null while healthy.</summary>
    public string? Error { get; private set; }

    /// <summary>Length of the audio written so far.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds(_writer.FramesWritten / 8000.0);

    /// <summary>Creates the file (and its directory) and starts the writer.</summary>
    public static VoicemailRecorder Start(string path, int queueFrames)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 16 * 1024, FileOptions.Asynchronous);
        return new VoicemailRecorder(path, new WavWriter(stream, channels: 1), queueFrames);
    }

    /// <inheritdoc />
    public void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law)
    {
        var payload = packet.Payload;
        if (payload.Length == 0)
        {
            return;
        }

        var samples = ArrayPool<short>.Shared.Rent(payload.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(payload.Length * 2);
        G711.Decode(law, payload, samples);
        for (var i = 0; i < payload.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        }

        ArrayPool<short>.Shared.Return(samples);
        if (!_channel.Writer.TryWrite(new Chunk(bytes, payload.Length * 2)))
        {
            ArrayPool<byte>.Shared.Return(bytes);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <inheritdoc />
    public void OnTelephoneEvent(MediaLeg from, in RtpPacket packet)
    {
        // Digits are not audio: the IVR hears them through the leg's DigitReceived.
    }

    /// <summary>Stops taking audio, drains the queue and completes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writerTask.ConfigureAwait(false);
        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Error ??= ex.Message;
        }
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var chunk in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (Error is null)
                {
                    await _writer.WriteBytesAsync(chunk.Buffer.AsMemory(0, chunk.Length)).ConfigureAwait(false);
                }
            }
            catch (IOException ex)
            {
                Error = ex.Message; // keep draining: the media path never waits
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }
    }

    private readonly record struct Chunk(byte[] Buffer, int Length);
}
