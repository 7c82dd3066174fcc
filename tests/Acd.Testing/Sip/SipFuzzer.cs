using System.Buffers;
using Acd.Sip;
using Acd.Sip.Framing;
using Acd.Sip.Headers;
using Acd.Sip.Uri;
using Acd.Sip.Validation;
using Acd.Sip.Writing;
using Acd.Testing.Buffers;

namespace Acd.Testing.Sip;

/// <summary>
/// Mutation fuzzer for the SIP message layer: bit flips, truncation, duplication, random insertion, deletion,
/// splicing and huge values applied to valid messages. Every input goes through the datagram parser, every
/// parsed message through every typed accessor, the URI parser, the validator and a write/re-parse round trip,
/// and the input through the stream framer in random segments. Anything but an error value (an exception, a
/// round trip that no longer parses) is a finding. Deterministic for a given seed.
/// </summary>
public sealed class SipFuzzer
{
    private static readonly byte[] Specials = "\r\n :;,=\"<>[]%\\@?/\t*0123456789"u8.ToArray();
    private static readonly SipHeaderId[] Ids = Enum.GetValues<SipHeaderId>();
    private readonly Random _random;
    private readonly List<byte[]> _seeds;
    private readonly SipParserLimits _limits;
    private readonly SipRequestValidator _validator = new(new SipValidatorOptions());
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    /// <summary>Creates a fuzzer over <paramref name="seeds"/> with a deterministic <paramref name="seed"/>.</summary>
    public SipFuzzer(IEnumerable<byte[]> seeds, int seed, SipParserLimits? limits = null)
    {
        _seeds = [.. seeds];
        if (_seeds.Count == 0)
        {
            throw new ArgumentException("at least one seed message is needed", nameof(seeds));
        }

        _random = new Random(seed);
        _limits = limits ?? SipParserLimits.Default;
    }

    /// <summary>Seeds: the torture corpus plus <see cref="SampleMessages"/>.</summary>
    public static IEnumerable<byte[]> DefaultSeeds() =>
        TortureCorpus.AllCases().Select(TortureCorpus.Load).Concat(SampleMessages.All);

    /// <summary>Counts of one run.</summary>
    public sealed record Report(long Inputs, long Parsed, long Rejected, long Frames, long Findings, IReadOnlyList<string> FirstFindings);

    /// <summary>Runs <paramref name="iterations"/> inputs.</summary>
    public Report Run(long iterations, Action<long>? progress = null)
    {
        long parsed = 0, rejected = 0, frames = 0, findings = 0;
        var first = new List<string>();
        for (long i = 0; i < iterations; i++)
        {
            var input = Mutate();
            var finding = Check(input, ref parsed, ref rejected, ref frames);
            if (finding is not null)
            {
                findings++;
                if (first.Count < 10)
                {
                    first.Add(finding + " input(base64)=" + Convert.ToBase64String(input));
                }
            }

            if (progress is not null && (i + 1) % 100_000 == 0)
            {
                progress(i + 1);
            }
        }

        return new Report(iterations, parsed, rejected, frames, findings, first);
    }

    /// <summary>Runs one input through everything; returns a finding or null.</summary>
    public string? Check(byte[] input, ref long parsed, ref long rejected, ref long frames)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            if (SipMessageParser.TryParse(input, SipFraming.Datagram, _limits, out var message, out var error))
            {
                parsed++;
                var problem = Exercise(message!);
                if (problem is not null)
                {
                    return problem;
                }
            }
            else
            {
                rejected++;
                if (error.Code == SipParseErrorCode.None || error.Message is null)
                {
                    return "rejected without an error value";
                }
            }

            frames += Frame(input);
            return null;
        }
#pragma warning disable CA1031 // the fuzzer's job is to catch every exception and report it
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
        }
    }

    /// <summary>Produces one mutated input.</summary>
    public byte[] Mutate()
    {
        var data = new List<byte>(_seeds[_random.Next(_seeds.Count)]);
        var rounds = 1 + _random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (_random.Next(10))
            {
                case 0: // bit flips
                    for (var k = 0; k < 1 + _random.Next(8) && data.Count > 0; k++)
                    {
                        var p = _random.Next(data.Count);
                        data[p] ^= (byte)(1 << _random.Next(8));
                    }

                    break;
                case 1: // truncation
                    if (data.Count > 0)
                    {
                        var keep = _random.Next(data.Count);
                        data.RemoveRange(keep, data.Count - keep);
                    }

                    break;
                case 2: // duplicate a slice
                    if (data.Count > 1)
                    {
                        var start = _random.Next(data.Count);
                        var len = Math.Min(_random.Next(1, 200), data.Count - start);
                        data.InsertRange(_random.Next(data.Count), data.GetRange(start, len));
                    }

                    break;
                case 3: // random bytes
                    for (var k = 0; k < 1 + _random.Next(6); k++)
                    {
                        data.Insert(_random.Next(data.Count + 1), (byte)_random.Next(256));
                    }

                    break;
                case 4: // grammar-significant bytes
                    for (var k = 0; k < 1 + _random.Next(6); k++)
                    {
                        data.Insert(_random.Next(data.Count + 1), Specials[_random.Next(Specials.Length)]);
                    }

                    break;
                case 5: // delete a slice
                    if (data.Count > 1)
                    {
                        var start = _random.Next(data.Count);
                        data.RemoveRange(start, Math.Min(_random.Next(1, 64), data.Count - start));
                    }

                    break;
                case 6: // huge numeric value
                    data.InsertRange(_random.Next(data.Count + 1), Enumerable.Repeat((byte)'9', 1 + _random.Next(40)).ToArray());
                    break;
                case 7: // huge value: a long run of one byte (sometimes beyond the message limit)
                    data.InsertRange(_random.Next(data.Count + 1), Enumerable.Repeat(Specials[_random.Next(Specials.Length)], _random.Next(2) == 0 ? 9_000 : 70_000).ToArray());
                    break;
                case 8: // splice with another seed
                    var other = _seeds[_random.Next(_seeds.Count)];
                    var cut = _random.Next(data.Count + 1);
                    data.RemoveRange(cut, data.Count - cut);
                    data.AddRange(other.AsSpan(_random.Next(other.Length)).ToArray());
                    break;
                default: // repeat a header line many times
                    var lineStart = data.IndexOf((byte)'\n') + 1;
                    var lineEnd = lineStart > 0 ? data.IndexOf((byte)'\n', lineStart) + 1 : 0;
                    if (lineEnd > lineStart)
                    {
                        var line = data.GetRange(lineStart, lineEnd - lineStart);
                        for (var k = 0; k < 1 + _random.Next(300); k++)
                        {
                            data.InsertRange(lineStart, line);
                        }
                    }

                    break;
            }
        }

        return [.. data];
    }

    private long Frame(byte[] input)
    {
        var events = StreamFeeder.Feed(FragmentedSequence.RandomChunks(input, _random, 1 + _random.Next(300)), _limits);
        long frames = 0;
        foreach (var e in events)
        {
            if (e.Status == SipFrameStatus.Message)
            {
                frames++;
                SipMessageParser.TryParse(e.Frame, SipFraming.Stream, _limits, out _, out _);
            }
        }

        return frames;
    }

    /// <summary>Reads everything a later layer could read from a parsed message; returns a problem description or null.</summary>
    private string? Exercise(SipMessage m)
    {
        _ = m.Method.Length + m.RequestUri.Length + m.ReasonPhrase.Length + m.Body.Length + m.Version.Length;
        foreach (ref readonly var h in m.Headers)
        {
            _ = m.GetName(h).Length + m.GetRawField(h).Length;
            _ = m.GetValueString(h);
        }

        foreach (var id in Ids)
        {
            foreach (var v in m.GetValues(id))
            {
                if (SipNameAddr.TryParse(v, out var na))
                {
                    _ = na.GetDisplayNameString();
                    _ = na.Tag.Length;
                    na.TryGetExpires(out _);
                    na.TryGetQ(out _);
                    if (m.TryGetUri(na.Uri, out var u))
                    {
                        ExerciseUri(u);
                    }
                }

                if (SipVia.TryParse(v, out var via))
                {
                    _ = via.Branch.Length + via.Received.Length + via.Maddr.Length + via.Port + via.RPort + via.Ttl;
                }

                SipMediaType.TryParse(v, out _);
                SipTokenWithParameters.TryParse(v, out var tp);
                tp.TryGetSeconds(out _);
                tp.TryGetParameter("id"u8, out _);
                foreach (var p in new SipParameterEnumerator(v))
                {
                    _ = p.Value.Length;
                }
            }
        }

        m.TryGetTopVia(out _);
        m.TryGetFrom(out _);
        m.TryGetTo(out _);
        m.TryGetCSeq(out _);
        m.TryGetMaxForwards(out _);
        m.TryGetExpires(out _);
        m.TryGetContentType(out _);
        _ = m.GetCallIdString();
        foreach (var id in (ReadOnlySpan<SipHeaderId>)[SipHeaderId.Authorization, SipHeaderId.ProxyAuthorization, SipHeaderId.WwwAuthenticate, SipHeaderId.ProxyAuthenticate])
        {
            if (m.TryGetAuth(id, out var auth))
            {
                auth.TryGetParameter("nonce"u8, out _, out var raw);
                _ = Acd.Sip.Text.SipQuotedString.Unquote(raw);
            }
        }

        if (m.TryGetRequestUri(out var ruri))
        {
            ExerciseUri(ruri);
        }

        if (m.IsRequest)
        {
            _validator.Validate(m);
            if (m.Contains(SipHeaderId.Via))
            {
                var response = SipResponseFactory.CreateResponse(m, 400, "Bad Request", "fz1");
                if (!SipMessageParser.TryParse(response, SipFraming.Stream, SipParserLimits.Default, out _, out var re))
                {
                    return "response built from a parsed request does not parse: " + re;
                }
            }
        }

        _output.ResetWrittenCount();
        new SipMessageWriter(_output).WriteMessage(m);
        var big = new SipParserLimits(maxMessageBytes: 16 * 1024 * 1024, maxHeaderCount: ushort.MaxValue, maxHeaderLineBytes: 16 * 1024 * 1024);
        return SipMessageParser.TryParse(_output.WrittenMemory.ToArray(), SipFraming.Stream, big, out _, out var err)
            ? null
            : "re-serialised message does not parse: " + err;
    }

    private static void ExerciseUri(SipUri u)
    {
        _ = u.User.Length + u.Password.Length + u.Host.Length + u.Port + u.Parameters.Length + u.Headers.Length;
        _ = u.GetUserString();
        u.TryGetParameter("transport"u8, out _);
        u.HasParameter("lr"u8);
        _ = u.ToString();
    }
}
