using System.Text;
using Acd.Sip.Uri;
using Xunit;

namespace Acd.Sip.Tests.Uri;

public sealed class SipUriTests
{
    private static string S(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    [Fact]
    public void TryParse_SipsWithPasswordPortParamsHeaders_AllParts()
    {
        Assert.True(SipUri.TryParse("sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent", out var u));
        Assert.Equal(SipUriScheme.Sips, u.Scheme);
        Assert.Equal("alice", S(u.User));
        Assert.True(u.HasPassword);
        Assert.Equal("secret", S(u.Password));
        Assert.Equal("atlanta.example.com", u.GetHostString());
        Assert.Equal(5061, u.Port);
        Assert.True(u.TryGetParameter("TRANSPORT"u8, out var t));
        Assert.Equal("tcp", S(t));
        Assert.True(u.HasParameter("lr"u8));
        Assert.Equal("subject=project%20x&priority=urgent", S(u.Headers));
    }

    [Fact]
    public void TryParse_IPv6WithPort_BracketsKept()
    {
        Assert.True(SipUri.TryParse("sip:[2001:db8::1]:5070", out var u));
        Assert.True(u.IsIPv6Reference);
        Assert.Equal("[2001:db8::1]", S(u.Host));
        Assert.Equal(5070, u.Port);
        Assert.True(u.User.IsEmpty);
    }

    [Fact]
    public void TryParse_Tel_NumberAndParameters()
    {
        Assert.True(SipUri.TryParse("tel:+1-201-555-0123;phone-context=example.com", out var u));
        Assert.Equal(SipUriScheme.Tel, u.Scheme);
        Assert.Equal("+1-201-555-0123", S(u.User));
        Assert.True(u.TryGetParameter("phone-context"u8, out var ctx));
        Assert.Equal("example.com", S(ctx));
    }

    [Fact]
    public void TryParse_UnknownScheme_Opaque()
    {
        Assert.True(SipUri.TryParse("urn:service:sos", out var u));
        Assert.Equal(SipUriScheme.Other, u.Scheme);
        Assert.Equal("service:sos", S(u.SchemeSpecificPart));
    }

    [Theory]
    [InlineData("sip:")]
    [InlineData("sip:@host")]
    [InlineData("sip:user@")]
    [InlineData("sip:host:99999")]
    [InlineData("sip:host:")]
    [InlineData("sip:host;;lr")]
    [InlineData("sip:host;")]
    [InlineData("sip:[2001:db8::1")]
    [InlineData("sip:[zz::1]")]
    [InlineData("sip:user@host name")]
    [InlineData("<sip:host>")]
    [InlineData("1sip:host")]
    [InlineData("tel:")]
    public void TryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(SipUri.TryParse(text, out _));
    }

    [Fact]
    public void TryParse_FromMemory_DoesNotCopy()
    {
        var bytes = "sip:bob@biloxi.example.com"u8.ToArray();
        Assert.True(SipUri.TryParse(new ReadOnlyMemory<byte>(bytes), out var u));
        Assert.True(u.Memory.Span.Overlaps(bytes));
    }

    [Fact]
    public void Equals_SameText_EqualAndSameHash()
    {
        Assert.True(SipUri.TryParse("sip:a@b", out var x));
        Assert.True(SipUri.TryParse("sip:a@b", out var y));
        Assert.Equal(x, y);
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
        Assert.Equal("sip:a@b", x.ToString());
    }
}
