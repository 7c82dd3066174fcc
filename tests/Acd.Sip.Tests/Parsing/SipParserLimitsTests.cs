using Xunit;

namespace Acd.Sip.Tests.Parsing;

public sealed class SipParserLimitsTests
{
    [Fact]
    public void Default_DocumentedValues()
    {
        var d = SipParserLimits.Default;
        Assert.Equal(65_535, d.MaxMessageBytes);
        Assert.Equal(256, d.MaxHeaderCount);
        Assert.Equal(8_192, d.MaxHeaderLineBytes);
        Assert.Equal(65_535, d.MaxBodyBytes);
    }

    [Theory]
    [InlineData(100, 256, 8192, null)]
    [InlineData(65_535, 0, 8192, null)]
    [InlineData(65_535, 256, 10, null)]
    [InlineData(1024, 256, 2048, null)]
    [InlineData(65_535, 256, 8192, -1)]
    [InlineData(1024, 256, 512, 2048)]
    public void Constructor_InvalidSetting_ThrowsArgumentOutOfRange(int message, int count, int line, int? body)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipParserLimits(message, count, line, body));
    }
}
