using Acd.Testing.Sip;
using Xunit;

namespace Acd.Sip.Tests.Fuzz;

/// <summary>A short deterministic run of the mutation fuzzer (the million-input run is the sip-fuzz bench tool).</summary>
public sealed class SipFuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Run_FixedSeedThousandsOfMutations_OnlyErrorValues(int seed)
    {
        var report = new SipFuzzer(SipFuzzer.DefaultSeeds(), seed).Run(2_000);

        Assert.True(report.Findings == 0, string.Join(Environment.NewLine, report.FirstFindings));
        Assert.Equal(2_000, report.Parsed + report.Rejected);
        Assert.True(report.Parsed > 100, "mutations should still leave many parseable messages");
        Assert.True(report.Rejected > 100, "mutations should produce many rejections");
    }
}
