using Acd.Media.Clock;
using Acd.Media.Codecs;
using Acd.Media.Recording;
using Acd.Media.Rtp;

namespace Acd.Media.Mixing;

/// <summary>What a supervisor on a call does.</summary>
public enum SupervisorMode
{
    /// <summary>Hears caller and agent; nobody hears the supervisor.</summary>
    Listen,

    /// <summary>Hears both; only the agent hears the supervisor (coaching).</summary>
    Whisper,

    /// <summary>A three-way conference: everyone hears everyone else.</summary>
    Barge,
}

/// <summary>
/// A three-party mixer for supervision: caller, agent and supervisor. Inbound audio is decoded into a short
/// per-party queue; every 20 ms (a paced stream) each party receives the sum of the parties it may hear, minus
/// itself, saturated and encoded in its own law. Register it on the media scheduler.
/// </summary>
public sealed class ConferenceMixer : IMediaForwarder, IPacedStream, IDisposable
{
    private const int Depth = 3;
    private const int Frame = G711.SamplesPerFrame;
    private readonly Lock _gate = new();
    private readonly MediaLeg[] _legs;
    private readonly short[][] _queue = new short[3 * Depth][];
    private readonly int[] _queued = new int[3];
    private readonly int[] _head = new int[3];
    private readonly short[][] _current = [new short[Frame], new short[Frame], new short[Frame]];
    private readonly bool[] _has = new bool[3];
    private readonly int[] _sum = new int[Frame];
    private readonly short[] _mixed = new short[Frame];
    private readonly byte[] _encoded = new byte[Frame];
    private volatile SupervisorMode _mode;

    /// <summary>Mixes the three legs in <paramref name="mode"/>.</summary>
    public ConferenceMixer(MediaLeg caller, MediaLeg agent, MediaLeg supervisor, SupervisorMode mode)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(supervisor);
        _legs = [caller, agent, supervisor];
        for (var i = 0; i < _queue.Length; i++)
        {
            _queue[i] = new short[Frame];
        }

        _mode = mode;
        foreach (var leg in _legs)
        {
            leg.Forwarder = this;
        }
    }

    /// <summary>The current mode; change at any time (listen -&gt; whisper -&gt; barge).</summary>
    public SupervisorMode Mode
    {
        get => _mode;
        set => _mode = value;
    }

    /// <summary>The active recorder (caller left, agent right), if any.</summary>
    public CallRecorder? Recorder { get; set; }

    /// <summary>Whether <paramref name="listener"/> (0 caller, 1 agent, 2 supervisor) hears <paramref name="speaker"/> in <paramref name="mode"/>.</summary>
    public static bool Hears(SupervisorMode mode, int listener, int speaker) => listener != speaker && (listener, speaker) switch
    {
        (0, 1) or (1, 0) => true,
        (2, _) => true,
        (1, 2) => mode is SupervisorMode.Whisper or SupervisorMode.Barge,
        (0, 2) => mode == SupervisorMode.Barge,
        _ => false,
    };

    /// <inheritdoc />
    public void OnAudio(MediaLeg from, in RtpPacket packet, G711Law law)
    {
        var party = Array.IndexOf(_legs, from);
        if (party < 0)
        {
            return;
        }

        var payload = packet.Payload;
        if (payload.Length != Frame)
        {
            return; // the mixer runs on 20 ms frames; other ptimes are not mixed
        }

        if (party < 2)
        {
            Recorder?.OnAudio(party == 0 ? RecordingChannel.Caller : RecordingChannel.Agent, payload, law);
        }

        lock (_gate)
        {
            if (_queued[party] == Depth)
            {
                // Full: drop the oldest to bound latency.
                _head[party] = (_head[party] + 1) % Depth;
                _queued[party]--;
            }

            var slot = (_head[party] + _queued[party]) % Depth;
            G711.Decode(law, payload, _queue[(party * Depth) + slot]);
            _queued[party]++;
        }
    }

    /// <inheritdoc />
    public void OnTelephoneEvent(MediaLeg from, in RtpPacket packet)
    {
        // Digits still reach each leg's DigitReceived; they are not relayed between parties of a conference.
    }

    /// <inheritdoc />
    public void OnTick(in PacingTick tick)
    {
        lock (_gate)
        {
            for (var p = 0; p < 3; p++)
            {
                _has[p] = _queued[p] > 0;
                if (_has[p])
                {
                    _queue[(p * Depth) + _head[p]].CopyTo(_current[p], 0);
                    _head[p] = (_head[p] + 1) % Depth;
                    _queued[p]--;
                }
            }
        }

        var mode = _mode;
        for (var listener = 0; listener < 3; listener++)
        {
            Array.Clear(_sum);
            var any = false;
            for (var speaker = 0; speaker < 3; speaker++)
            {
                if (_has[speaker] && Hears(mode, listener, speaker))
                {
                    var frame = _current[speaker];
                    for (var i = 0; i < Frame; i++)
                    {
                        _sum[i] += frame[i];
                    }

                    any = true;
                }
            }

            if (!any)
            {
                continue;
            }

            G711.Saturate(_sum, _mixed);
            G711.Encode(_legs[listener].Law, _mixed, _encoded);
            _legs[listener].SendFrame(_encoded);
        }
    }

    /// <summary>Mixes one listener's frame from explicit inputs (tests and tools): null inputs are absent.</summary>
    internal static void Mix(SupervisorMode mode, int listener, ReadOnlySpan<short> caller, ReadOnlySpan<short> agent, ReadOnlySpan<short> supervisor, Span<short> output)
    {
        Span<int> sum = stackalloc int[output.Length];
        if (Hears(mode, listener, 0))
        {
            Add(caller, sum);
        }

        if (Hears(mode, listener, 1))
        {
            Add(agent, sum);
        }

        if (Hears(mode, listener, 2))
        {
            Add(supervisor, sum);
        }

        G711.Saturate(sum, output);
    }

    /// <summary>Stops mixing: the legs no longer forward here.</summary>
    public void Dispose()
    {
        foreach (var leg in _legs)
        {
            if (ReferenceEquals(leg.Forwarder, this))
            {
                leg.Forwarder = null;
            }
        }
    }

    private static void Add(ReadOnlySpan<short> input, Span<int> sum)
    {
        for (var i = 0; i < input.Length && i < sum.Length; i++)
        {
            sum[i] += input[i];
        }
    }
}
