using System.Text.Json;
using Acd.Calls.Records;
using Xunit;

namespace Acd.Calls.Tests.Records;

public sealed class CallRecordJsonTests
{
    [Fact]
    public void Serialize_AnsweredCall_OneLineCamelCaseOutcomeAsStringNullsOmitted()
    {
        var json = CallRecordJson.Serialize(CallRecordSamples.Answered("c1", CallRecordSamples.Day1));

        Assert.DoesNotContain('\n', json);
        Assert.DoesNotContain('\r', json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("c1", root.GetProperty("callId").GetString());
        Assert.Equal("answered", root.GetProperty("outcome").GetString());
        Assert.Equal("billing", root.GetProperty("queue").GetString());
        Assert.Equal("12345", root.GetProperty("ivrVariables").GetProperty("Account_Number").GetString());
        Assert.Equal("NaN", root.GetProperty("legs")[0].GetProperty("quality").GetProperty("jitterMs").GetString());
        Assert.False(root.GetProperty("legs")[0].GetProperty("quality").TryGetProperty("roundTripMs", out _));
        Assert.False(root.GetProperty("legs")[1].TryGetProperty("answered", out _));
        Assert.False(root.GetProperty("events")[1].TryGetProperty("detail", out _));
    }

    [Fact]
    public void Serialize_MinimalCall_NoNullMembers()
    {
        var json = CallRecordJson.Serialize(CallRecordSamples.Minimal("c2", CallRecordSamples.Day1));

        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"abandoned\"", json, StringComparison.Ordinal);
        Assert.Contains("\"ivrPath\":[]", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_SerializedRecord_SameJsonAgain()
    {
        var json = CallRecordJson.Serialize(CallRecordSamples.Answered("c3", CallRecordSamples.Day1));

        var back = CallRecordJson.Deserialize(json)!;

        Assert.Equal(CallOutcome.Answered, back.Outcome);
        Assert.Equal(CallRecordSamples.Day1, back.Ended);
        Assert.Equal("Zoë \"Z\" Line\nBreak", back.CallerName);
        Assert.Equal(2, back.Legs.Count);
        Assert.Equal(json, CallRecordJson.Serialize(back));
    }

    [Fact]
    public void Deserialize_OutcomeAsNumber_Throws() =>
        Assert.Throws<JsonException>(() => CallRecordJson.Deserialize(
            CallRecordJson.Serialize(CallRecordSamples.Minimal("c4", CallRecordSamples.Day1)).Replace("\"abandoned\"", "1", StringComparison.Ordinal)));

    [Theory]
    [InlineData(CallOutcome.Answered, "answered")]
    [InlineData(CallOutcome.Voicemail, "voicemail")]
    [InlineData(CallOutcome.Failed, "failed")]
    public void OutcomeName_EachOutcome_TheJsonString(CallOutcome outcome, string name)
    {
        Assert.Equal(name, CallRecordJson.OutcomeName(outcome));
        Assert.Contains($"\"outcome\":\"{name}\"", CallRecordJson.Serialize(CallRecordSamples.Minimal("c", CallRecordSamples.Day1, outcome)), StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_PhoneNumberAndQuotes_PlusKeptQuotesEscaped()
    {
        var record = CallRecordSamples.Minimal("c1", DateTimeOffset.UnixEpoch) with { CallerId = "+15551234567", CallerName = "Pat \"P\" O'Brien" };

        var json = CallRecordJson.Serialize(record);

        Assert.Contains("\"callerId\":\"+15551234567\"", json, StringComparison.Ordinal);
        Assert.Contains("Pat \\\"P\\\" O'Brien", json, StringComparison.Ordinal);
        Assert.Equal(record.CallerName, CallRecordJson.Deserialize(json)!.CallerName);
    }
}
