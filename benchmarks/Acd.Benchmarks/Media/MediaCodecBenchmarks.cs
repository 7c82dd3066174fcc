using Acd.Media.Codecs;
using Acd.Media.Dtmf;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Media;

/// <summary>G.711 per 20 ms frame (160 samples): divide 160 by the time for samples/s.</summary>
[MemoryDiagnoser]
public class G711Benchmarks
{
    private readonly short[] _pcm = new short[160];
    private readonly byte[] _encoded = new byte[160];
    private readonly byte[] _other = new byte[160];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < _pcm.Length; i++)
        {
            _pcm[i] = (short)random.Next(short.MinValue, short.MaxValue);
        }

        G711.Encode(G711Law.MuLaw, _pcm, _encoded);
    }

    [Benchmark]
    public void EncodeMuLaw() => G711.Encode(G711Law.MuLaw, _pcm, _encoded);

    [Benchmark]
    public void EncodeALaw() => G711.Encode(G711Law.ALaw, _pcm, _other);

    [Benchmark]
    public void DecodeMuLaw() => G711.Decode(G711Law.MuLaw, _encoded, _pcm);

    [Benchmark]
    public void TranscodeMuLawToALaw() => G711.Transcode(G711Law.MuLaw, G711Law.ALaw, _encoded, _other);
}

/// <summary>RTP packet parse and write (172-byte G.711 packet), RTCP report build.</summary>
[MemoryDiagnoser]
public class RtpBenchmarks
{
    private readonly byte[] _packet = new byte[172];
    private readonly byte[] _payload = new byte[160];
    private readonly byte[] _rtcp = new byte[256];
    private readonly RtpSendStream _send = new(1, 2, 3);
    private readonly RtpReceiveStatistics _stats = new();
    private ushort _sequence;

    [GlobalSetup]
    public void Setup() => RtpPacket.Write(_packet, 0, false, 1, 160, 42, _payload);

    [Benchmark]
    public int Parse() => RtpPacket.TryParse(_packet, out var p) == RtpParseStatus.Ok ? p.Payload.Length : -1;

    [Benchmark]
    public int Write() => _send.WriteMedia(_packet, 0, _payload, 160);

    [Benchmark]
    public RtpSequenceResult ParseAndTrack()
    {
        RtpPacket.TryParse(_packet, out var p);
        _sequence++;
        return _stats.Update(p.Ssrc, _sequence, (uint)(_sequence * 160), _sequence * 160);
    }

    [Benchmark]
    public int RtcpSenderReport()
    {
        RtcpReportBlock[] none = [];
        return Rtcp.WriteReport(_rtcp, 1, new RtcpSenderInfo(1, 2, 3, 4), none, "leg@acd");
    }
}

/// <summary>In-band DTMF: the Goertzel detector on one 20 ms frame of speech-like noise and of a tone.</summary>
[MemoryDiagnoser]
public class GoertzelBenchmarks
{
    private readonly DtmfDetector _detector = new();
    private readonly short[] _noise = new short[160];
    private readonly short[] _tone = new short[160];
    private readonly char[] _digits = new char[2];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        for (var n = 0; n < 160; n++)
        {
            _noise[n] = (short)random.Next(-3000, 3000);
            _tone[n] = (short)((6000 * Math.Sin(2 * Math.PI * 770 * n / 8000)) + (6000 * Math.Sin(2 * Math.PI * 1336 * n / 8000)));
        }
    }

    [Benchmark]
    public int FrameOfNoise() => _detector.Process(_noise, _digits);

    [Benchmark]
    public int FrameOfTone() => _detector.Process(_tone, _digits);
}

/// <summary>SDP: parse a phone's offer and answer it (once per call, not per packet).</summary>
[MemoryDiagnoser]
public class SdpBenchmarks
{
    private const string Offer =
        "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=call\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
        "m=audio 49170 RTP/AVP 8 0 18 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:18 G729/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

    [Benchmark]
    public string ParseAndAnswer()
    {
        var negotiator = new SdpNegotiator(new LocalMediaOptions { Address = "127.0.0.1", Port = 20000 }, 1);
        var result = negotiator.AnswerOffer(SdpParser.Parse(Offer).Session!);
        return result.Local!.ToString();
    }
}
