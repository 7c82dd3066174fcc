using Acd.Media.Audio;
using Acd.Media.Codecs;
using Acd.Media.Players;

namespace Acd.Media.Tests.Players;

public class MusicOnHoldTests
{
    [Fact]
    public void Register_GoodFiles_PlayerLoopsAcrossFiles()
    {
        var moh = new MusicOnHold(new PromptCache());
        Assert.Empty(moh.Register(new MusicClass("default", [Fixtures.PathOf("tone1k-8k-pcm.wav"), Fixtures.PathOf("tone1k-8k-alaw.wav")])));
        var player = moh.Player("DEFAULT");
        Assert.NotNull(player);
        var frame = new byte[160];
        for (var i = 0; i < 250; i++)
        {
            Assert.True(player!.ReadFrame(G711Law.MuLaw, frame)); // 100 frames of files, looped
        }
    }

    [Fact]
    public void Register_BadFile_ReportsItAndClassStaysUnknown()
    {
        var moh = new MusicOnHold(new PromptCache());
        var errors = moh.Register(new MusicClass("jazz", [Fixtures.PathOf("tone1k-8k-pcm.wav"), "/missing/sax.wav"]));
        Assert.Contains(errors, e => e.Contains("/missing/sax.wav", StringComparison.Ordinal));
        Assert.Null(moh.Player("jazz"));
    }
}
