using System.Text;
using Acd.Sip.Auth;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Acd.Sip.Tests.Auth;

public sealed class DigestAuthTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");

    private sealed class Fixture : IDisposable
    {
        public Fixture(SipAuthRateLimitOptions? limits = null)
        {
            Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
            Nonces = new DigestNonceManager(Key, TimeSpan.FromMinutes(5), Time);
            Store = new InMemoryDigestCredentialStore();
            Store.Set(DigestCredential.FromPassword("1001", "acd", "s3cret"));
            Limiter = new SipAuthRateLimiter(limits ?? new SipAuthRateLimitOptions(), Time);
            Metrics = new SipSignallingMetrics();
            Auth = new SipDigestAuthenticator(new SipDigestOptions { Realm = "acd" }, Nonces, Store, Limiter, Metrics);
        }

        public FakeTimeProvider Time { get; }
        public DigestNonceManager Nonces { get; }
        public InMemoryDigestCredentialStore Store { get; }
        public SipAuthRateLimiter Limiter { get; }
        public SipSignallingMetrics Metrics { get; }
        public SipDigestAuthenticator Auth { get; }

        public void Dispose() => Metrics.Dispose();
    }

    [Fact]
    public void Response_Rfc2617Example_MatchesPublishedDigest()
    {
        // RFC 2617 section 3.5 (HTTP example; the arithmetic is the same for SIP).
        var ha1 = DigestMath.Ha1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
        var response = DigestMath.Response(DigestAlgorithm.Md5, ha1, "GET", "/dir/index.html",
            "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth");
        Assert.Equal("6629fae49393a05397450978507c4ef1", Encoding.ASCII.GetString(response));
    }

    [Fact]
    public void Response_Rfc7616Sha256Example_MatchesPublishedDigest()
    {
        // RFC 7616 section 3.9.1.
        var ha1 = DigestMath.Ha1(DigestAlgorithm.Sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
        var response = DigestMath.Response(DigestAlgorithm.Sha256, ha1, "GET", "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth");
        Assert.Equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", Encoding.ASCII.GetString(response));
    }

    [Fact]
    public async Task VerifyAsync_NoCredentials_ChallengesWithBothAlgorithms()
    {
        using var f = new Fixture();
        var result = await f.Auth.VerifyAsync([], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Challenge, result.Outcome);
        var challenges = f.Auth.Challenges();
        Assert.Equal(2, challenges.Count);
        Assert.Contains("algorithm=SHA-256", challenges[0], StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", challenges[1], StringComparison.Ordinal);
        Assert.All(challenges, c => Assert.Contains("qop=\"auth\"", c, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task VerifyAsync_ClientAnswersChallenge_Authenticated(int challengeIndex)
    {
        using var f = new Fixture();
        var client = new SipDigestClient("1001", "s3cret");
        Assert.True(client.TryAnswer([f.Auth.Challenges()[challengeIndex]], "REGISTER", "sip:127.0.0.1", out var authorization));
        var result = await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Authenticated, result.Outcome);
        Assert.Equal("1001", result.Username);
    }

    [Fact]
    public void TryAnswer_BothAlgorithmsOffered_PrefersSha256()
    {
        using var f = new Fixture();
        var client = new SipDigestClient("1001", "s3cret");
        Assert.True(client.TryAnswer(f.Auth.Challenges().Reverse(), "REGISTER", "sip:127.0.0.1", out var authorization));
        Assert.Contains("algorithm=SHA-256", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_WrongPassword_RejectedAndCounted()
    {
        using var f = new Fixture();
        using var failures = new MetricCollector<long>(f.Metrics.Meter, "acd_sip_auth_failures_total");
        var client = new SipDigestClient("1001", "wrong");
        client.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var authorization);
        var result = await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Rejected, result.Outcome);
        Assert.Equal("bad_response", result.Reason);
        Assert.Equal(1, failures.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task VerifyAsync_UnknownUser_Rejected()
    {
        using var f = new Fixture();
        var client = new SipDigestClient("9999", "s3cret");
        client.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var authorization);
        var result = await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Rejected, result.Outcome);
    }

    [Fact]
    public async Task VerifyAsync_ExpiredNonce_Stale()
    {
        using var f = new Fixture();
        var client = new SipDigestClient("1001", "s3cret");
        client.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var authorization);
        f.Time.Advance(TimeSpan.FromMinutes(6));
        var result = await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Stale, result.Outcome);
        Assert.Contains("stale=true", f.Auth.Challenges(stale: true)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ReplayedNonceCount_Challenged()
    {
        using var f = new Fixture();
        var client = new SipDigestClient("1001", "s3cret");
        client.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var authorization);
        Assert.Equal(DigestOutcome.Authenticated, (await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1")).Outcome);
        var replay = await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Challenge, replay.Outcome);
        Assert.Equal("replay", replay.Reason);
    }

    [Fact]
    public async Task VerifyAsync_NextNonceCount_Authenticated()
    {
        using var f = new Fixture();
        var client = new SipDigestClient("1001", "s3cret");
        var challenge = f.Auth.Challenges();
        client.TryAnswer(challenge, "REGISTER", "sip:127.0.0.1", out var first);
        client.TryAnswer(challenge, "REGISTER", "sip:127.0.0.1", out var second);
        Assert.Contains("nc=00000002", second, StringComparison.Ordinal);
        Assert.Equal(DigestOutcome.Authenticated, (await f.Auth.VerifyAsync([first], "REGISTER", "127.0.0.1")).Outcome);
        Assert.Equal(DigestOutcome.Authenticated, (await f.Auth.VerifyAsync([second], "REGISTER", "127.0.0.1")).Outcome);
    }

    [Fact]
    public async Task VerifyAsync_ForgedNonce_Challenged()
    {
        using var f = new Fixture();
        var other = new DigestNonceManager(Encoding.ASCII.GetBytes("another-key-another-key-another!"), TimeSpan.FromMinutes(5), f.Time);
        var forged = $"Digest realm=\"acd\", nonce=\"{other.Issue("acd")}\", algorithm=MD5, qop=\"auth\"";
        var client = new SipDigestClient("1001", "s3cret");
        client.TryAnswer([forged], "REGISTER", "sip:127.0.0.1", out var authorization);
        var result = await f.Auth.VerifyAsync([authorization], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Challenge, result.Outcome);
        Assert.Equal("bad_nonce", result.Reason);
    }

    [Fact]
    public async Task VerifyAsync_UnknownScheme_ChallengedNotFailed()
    {
        // RFC 4475 regaut01: Authorization: NoOneKnowsThisScheme opaque-data=here
        using var f = new Fixture();
        var result = await f.Auth.VerifyAsync(["NoOneKnowsThisScheme opaque-data=here"], "REGISTER", "127.0.0.1");
        Assert.Equal(DigestOutcome.Challenge, result.Outcome);
    }

    [Fact]
    public async Task VerifyAsync_GuessingFlood_BlocksAddressThenExpires()
    {
        using var f = new Fixture(new SipAuthRateLimitOptions { MaxFailuresPerAddress = 3, MaxFailuresPerUser = 100, BlockDuration = TimeSpan.FromMinutes(1) });
        for (var i = 0; i < 4; i++)
        {
            var guess = new SipDigestClient("1001", "guess" + i);
            guess.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var bad);
            await f.Auth.VerifyAsync([bad], "REGISTER", "10.0.0.66");
        }

        var client = new SipDigestClient("1001", "s3cret");
        client.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var good);
        Assert.Equal(DigestOutcome.Blocked, (await f.Auth.VerifyAsync([good], "REGISTER", "10.0.0.66")).Outcome);
        Assert.Equal(DigestOutcome.Authenticated, (await f.Auth.VerifyAsync([good], "REGISTER", "10.0.0.7")).Outcome);

        f.Time.Advance(TimeSpan.FromMinutes(2));
        client.TryAnswer(f.Auth.Challenges(), "REGISTER", "sip:127.0.0.1", out var later);
        Assert.Equal(DigestOutcome.Authenticated, (await f.Auth.VerifyAsync([later], "REGISTER", "10.0.0.66")).Outcome);
    }

    [Fact]
    public void RecordFailure_PerUserLimit_BlocksUserFromAnyAddress()
    {
        var time = new FakeTimeProvider();
        var limiter = new SipAuthRateLimiter(new SipAuthRateLimitOptions { MaxFailuresPerUser = 2 }, time);
        limiter.RecordFailure("10.0.0.1", "1001");
        limiter.RecordFailure("10.0.0.2", "1001");
        Assert.True(limiter.RecordFailure("10.0.0.3", "1001"));
        Assert.True(limiter.IsBlocked("10.0.0.9", "1001"));
        Assert.False(limiter.IsBlocked("10.0.0.9", "1002"));
    }

    [Fact]
    public void Validate_BadOptions_ReturnsEveryError()
    {
        var errors = new SipAuthRateLimitOptions { MaxFailuresPerAddress = 0, Window = TimeSpan.Zero }.Validate();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("MaxFailuresPerAddress", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Window", StringComparison.Ordinal));
    }

    [Fact]
    public void ToString_Credential_DoesNotRevealHa1()
    {
        var credential = DigestCredential.FromPassword("1001", "acd", "s3cret");
        var ha1 = Encoding.ASCII.GetString(DigestMath.Ha1(DigestAlgorithm.Md5, "1001", "acd", "s3cret"));
        Assert.DoesNotContain(ha1, credential.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", new SipDigestClient("1001", "s3cret").ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Digest realm=\"a")]
    [InlineData("Digest realm=\"a\", realm=\"b\"")]
    [InlineData("Basic abc")]
    [InlineData("Digest =x")]
    public void TryParse_Malformed_ReturnsFalse(string value)
        => Assert.False(DigestParameters.TryParse(value, out _));

    [Fact]
    public void TryParse_QuotedEscapes_Unescaped()
    {
        Assert.True(DigestParameters.TryParse("Digest username=\"a\\\"b\", nc=00000001,qop=auth", out var p));
        Assert.Equal("a\"b", p!.Username);
        Assert.Equal("00000001", p.NonceCount);
        Assert.Equal("auth", p.Qop);
    }
}
