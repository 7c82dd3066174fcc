using System.Text;
using Acd.Sip.Validation;
using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Validation;

public sealed class SipRequestValidatorTests
{
    private static SipMessage Parse(string text)
    {
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out var m, out var e), e.ToString());
        return m!;
    }

    private static readonly SipRequestValidator Validator = new(new SipValidatorOptions());

    [Fact]
    public void Validate_TypicalInviteAndRegister_Accepted()
    {
        Assert.True(SipMessageParser.TryParse(SampleMessages.Invite, out var invite, out _));
        Assert.True(Validator.Validate(invite!).IsAccepted);
        Assert.True(SipMessageParser.TryParse(SampleMessages.Register, out var register, out _));
        Assert.True(Validator.Validate(register!).IsAccepted);
    }

    [Fact]
    public void Validate_RequireOfSupportedTag_Accepted()
    {
        var m = Parse("OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:u@h>\r\nFrom: <sip:a@h>;tag=1\r\n" +
                      "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nRequire: replaces\r\nContent-Length: 0\r\n\r\n");
        Assert.True(Validator.Validate(m).IsAccepted);
    }

    [Fact]
    public void Validate_MissingVia_BadRequest()
    {
        var m = Parse("OPTIONS sip:u@h SIP/2.0\r\nTo: <sip:u@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        var verdict = Validator.Validate(m);
        Assert.Equal(400, verdict.StatusCode);
        Assert.Equal(SipRejectReason.MissingOrRepeatedHeader, verdict.Reason);
    }

    [Fact]
    public void Options_Invalid_EveryErrorListedWithLocation()
    {
        var errors = new SipValidatorOptions { SupportedMethods = ["INVITE", "BAD METHOD"], SupportedContentTypes = ["sdp"] }.Validate();
        Assert.Contains(errors, e => e.StartsWith("SupportedMethods[1]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("SupportedContentTypes[0]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ACK", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new SipRequestValidator(new SipValidatorOptions { SupportedUriSchemes = ["1x"] }));
    }

    [Fact]
    public void Validate_Response_Throws()
    {
        Assert.True(SipMessageParser.TryParse(SampleMessages.Ok200, out var ok, out _));
        Assert.Throws<ArgumentException>(() => Validator.Validate(ok!));
    }
}
