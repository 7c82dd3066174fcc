using Acd.Sip;
using Acd.Sip.Headers;
using Acd.Testing.Sip;
using BenchmarkDotNet.Attributes;

namespace Acd.Benchmarks.Sip;

/// <summary>Parsing typical messages into an indexed <see cref="SipMessage"/> (datagram rules, default limits).</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SipParseBenchmarks
{
    private readonly ReadOnlyMemory<byte> _invite = SampleMessages.Invite;
    private readonly ReadOnlyMemory<byte> _ok = SampleMessages.Ok200;
    private readonly ReadOnlyMemory<byte> _register = SampleMessages.Register;
    private readonly ReadOnlyMemory<byte> _wsinv = TortureCorpus.Load("valid/wsinv");
    private SipMessage _parsedInvite = null!;

    [GlobalSetup]
    public void Setup()
    {
        SipMessageParser.TryParse(_invite, out var m, out _);
        _parsedInvite = m!;
    }

    [Benchmark(Baseline = true, Description = "parse INVITE+SDP")]
    public SipMessage? ParseInvite() => SipMessageParser.TryParse(_invite, out var m, out _) ? m : null;

    [Benchmark(Description = "parse 200 OK")]
    public SipMessage? ParseOk() => SipMessageParser.TryParse(_ok, out var m, out _) ? m : null;

    [Benchmark(Description = "parse REGISTER+Authorization")]
    public SipMessage? ParseRegister() => SipMessageParser.TryParse(_register, out var m, out _) ? m : null;

    [Benchmark(Description = "parse RFC 4475 wsinv (folds, 1001 B)")]
    public SipMessage? ParseFolded() => SipMessageParser.TryParse(_wsinv, out var m, out _) ? m : null;

    [Benchmark(Description = "typed From-tag + Via branch + CSeq")]
    public int TypedAccess()
    {
        var m = _parsedInvite;
        m.TryGetFrom(out var from);
        m.TryGetTopVia(out var via);
        m.TryGetCSeq(out var cseq);
        return from.Tag.Length + via.Branch.Length + (int)cseq.Number;
    }

    [Benchmark(Description = "parse INVITE + typed access")]
    public int ParseAndAccess()
    {
        SipMessageParser.TryParse(_invite, out var m, out _);
        m!.TryGetFrom(out var from);
        m.TryGetTopVia(out var via);
        m.TryGetCSeq(out var cseq);
        return from.Tag.Length + via.Branch.Length + (int)cseq.Number;
    }

    [Benchmark(Description = "digest params of REGISTER")]
    public int DigestParameters()
    {
        SipMessageParser.TryParse(_register, out var m, out _);
        m!.TryGetAuth(SipHeaderId.Authorization, out var auth);
        auth.TryGetParameter("nonce"u8, out var nonce);
        auth.TryGetParameter("response"u8, out var response);
        return nonce.Length + response.Length;
    }
}
