using Acd.Sip.Framing;
using Acd.Sip.Validation;
using Acd.Sip.Writing;
using Acd.Testing.Buffers;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Torture;

/// <summary>Every RFC 4475 / RFC 5118 message, as a datagram and split into segments through the stream framer.</summary>
public sealed class TortureSuiteTests
{
    private static readonly SipRequestValidator Validator = new(new SipValidatorOptions());

    public static TheoryData<string> Cases() => new(TortureCorpus.AllCases());

    [Fact]
    public void Corpus_EveryFile_HasAnExpectation()
    {
        var cases = TortureCorpus.AllCases().ToList();
        Assert.Equal(61, cases.Count);
        Assert.Equal(TortureExpectations.All.Keys.Order(StringComparer.Ordinal), cases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParse_TortureDatagram_MatchesRfcExpectation(string name)
    {
        var expected = TortureExpectations.All[name];
        var ok = SipMessageParser.TryParse(TortureCorpus.Load(name), out var message, out var error);

        if (expected.ParseStatus is null)
        {
            Assert.True(ok, $"{name}: {error}");
            Assert.NotNull(message);
        }
        else
        {
            Assert.False(ok, name + " parsed but must be rejected");
            Assert.Equal(expected.ParseStatus, error.StatusCode);
            Assert.NotEqual(SipParseErrorCode.None, error.Code);
            Assert.False(string.IsNullOrEmpty(error.Message));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_TortureRequest_AnswersRfcStatus(string name)
    {
        var expected = TortureExpectations.All[name];
        if (expected.ParseStatus is not null)
        {
            return; // rejected by the parser: covered above
        }

        Assert.True(SipMessageParser.TryParse(TortureCorpus.Load(name), out var message, out _));
        if (expected.ValidatorStatus is null)
        {
            Assert.False(message!.IsRequest, name + " should be a response");
            return;
        }

        var verdict = Validator.Validate(message!);
        Assert.Equal(expected.ValidatorStatus, verdict.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryReadFrame_TortureSplitIntoSegments_FramesLikeTheDatagram(string name)
    {
        var data = TortureCorpus.Load(name);
        var datagramOk = SipMessageParser.TryParse(data, out var datagram, out var datagramError);
        var random = new Random(name.Length * 7919);
        var splits = new List<byte[][]>();
        foreach (var size in new[] { 1, 2, 3, 5, 8, 13, 64, 4096 })
        {
            splits.Add(FragmentedSequence.Chunks(data, size));
        }

        for (var i = 0; i < 8; i++)
        {
            splits.Add(FragmentedSequence.RandomChunks(data, random, 40));
        }

        foreach (var chunks in splits)
        {
            var events = StreamFeeder.Feed(chunks, SipParserLimits.Default);
            Assert.NotEmpty(events);
            var first = events[0];
            switch (name)
            {
                case "semantic/inv2543":
                    Assert.Equal(SipFrameStatus.Error, first.Status);
                    Assert.Equal(SipParseErrorCode.MissingContentLength, first.Error.Code);
                    break;
                case "invalid/ncl":
                    Assert.Equal(SipFrameStatus.Error, first.Status);
                    Assert.Equal(SipParseErrorCode.InvalidContentLength, first.Error.Code);
                    break;
                case "semantic/mcl01":
                    Assert.Equal(SipFrameStatus.Error, first.Status);
                    Assert.Equal(SipParseErrorCode.ConflictingContentLength, first.Error.Code);
                    break;
                case "invalid/clerr": // Content-Length 9999: on TCP keep waiting for the body
                case "invalid/baddn": // no empty line closes the headers: keep waiting
                    Assert.Single(events);
                    Assert.Equal(SipFrameStatus.NeedMoreData, first.Status);
                    break;
                default:
                    Assert.Equal(SipFrameStatus.Message, first.Status);
                    var streamOk = SipMessageParser.TryParse(first.Frame, SipFraming.Stream, SipParserLimits.Default, out var framed, out var streamError);
                    Assert.Equal(datagramOk, streamOk);
                    if (datagramOk)
                    {
                        Assert.Equal(datagram!.Buffer.ToArray(), framed!.Buffer.ToArray());
                        Assert.Equal(datagram.HeaderCount, framed.HeaderCount);
                    }
                    else
                    {
                        Assert.Equal(datagramError.StatusCode, streamError.StatusCode);
                        Assert.Equal(datagramError.Code, streamError.Code);
                    }

                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WriteMessage_ParsedTortureMessage_RoundTripsToEquivalentMessage(string name)
    {
        if (!SipMessageParser.TryParse(TortureCorpus.Load(name), out var original, out _))
        {
            return; // rejected messages are covered by the parse test
        }

        var output = new System.Buffers.ArrayBufferWriter<byte>();
        new SipMessageWriter(output).WriteMessage(original!);
        Assert.True(SipMessageParser.TryParse(output.WrittenMemory, SipFraming.Stream, SipParserLimits.Default, out var copy, out var error), error.ToString());

        Assert.Equal(original!.IsRequest, copy!.IsRequest);
        Assert.Equal(original.StatusCode, copy.StatusCode);
        Assert.Equal(original.Method.ToArray(), copy.Method.ToArray());
        Assert.Equal(original.RequestUri.ToArray(), copy.RequestUri.ToArray());
        Assert.Equal(original.Body.ToArray(), copy.Body.ToArray());
        var originalFields = original.Headers.ToArray().Where(h => h.Id != SipHeaderId.ContentLength).ToList();
        var copyFields = copy.Headers.ToArray().Where(h => h.Id != SipHeaderId.ContentLength).ToList();
        Assert.Equal(originalFields.Count, copyFields.Count);
        for (var i = 0; i < originalFields.Count; i++)
        {
            Assert.Equal(originalFields[i].Id, copyFields[i].Id);
            Assert.Equal(original.GetRawField(originalFields[i]).ToArray(), copy.GetRawField(copyFields[i]).ToArray());
        }
    }
}
