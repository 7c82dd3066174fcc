using Acd.Dialer.Leads;

namespace Acd.Dialer.Tests;

public sealed class LeadCsvImporterTests
{
    private static readonly LeadImportOptions Options = new();

    private const string Good =
        "id,phone,name,balance\n" +
        "a1,(202) 555-0143,\"Smith, Jane\",10.50\n" +
        "a2,+44 20 7946 0018,\"Said \"\"hi\"\"\",0\n" +
        "a3,212-555-0199,Bob,3\n";

    [Fact]
    public void Import_ValidRows_NormalisesToE164AndKeepsCustomFields()
    {
        var result = LeadCsvImporter.Import(Good, Options);

        Assert.True(result.Success);
        Assert.Empty(result.Errors);
        Assert.Equal(["+12025550143", "+442079460018", "+12125550199"], result.Leads.Select(l => l.E164));
        Assert.Equal("Smith, Jane", result.Leads[0].Fields["name"]);
        Assert.Equal("Said \"hi\"", result.Leads[1].Fields["NAME"]);
        Assert.Equal("10.50", result.Leads[0].Fields["balance"]);
        Assert.False(result.Leads[0].Fields.ContainsKey("phone"));
        Assert.Equal("a2", result.Leads[1].Id);
        Assert.Equal(3, result.Leads[1].SourceLine);
        Assert.Contains("America/New_York", result.Leads[0].TimeZones);
        Assert.Contains("Europe/London", result.Leads[1].TimeZones);
    }

    [Fact]
    public void Import_InvalidNumbers_ReportedWithLineNumbersAndNotImported()
    {
        var csv = "phone,name\n2025550143,ok\nnot-a-number,x\n555,short\n\n+1 202 555 0144,ok2\n12345678901234567890123,long\n";

        var result = LeadCsvImporter.Import(csv, Options);

        Assert.True(result.Success);
        Assert.Equal(["+12025550143", "+12025550144"], result.Leads.Select(l => l.E164));
        Assert.Equal([3, 4, 7], result.Errors.Select(e => e.Line));
        Assert.All(result.Errors, e => Assert.Contains("invalid number", e.Message, StringComparison.Ordinal));
        Assert.Equal(3, result.RejectedRows);
    }

    [Fact]
    public void Import_WrongFieldCountAndDuplicates_Rejected()
    {
        var csv = "phone,name\r\n2025550143,a\r\n2025550144\r\n2025550143,again\r\n2025550145,a,b\r\n";

        var result = LeadCsvImporter.Import(csv, Options);

        Assert.Equal(["+12025550143"], result.Leads.Select(l => l.E164));
        Assert.Equal(
            ["line 3: expected 2 fields, found 1", "line 4: duplicate number +12025550143", "line 5: expected 2 fields, found 3"],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Import_QuotedLineBreak_LaterLinesNumberedByPhysicalLine()
    {
        var csv = "phone,note\n2025550143,\"two\nlines\"\nbad,x\n";

        var result = LeadCsvImporter.Import(csv, Options);

        Assert.Equal("two\nlines", Assert.Single(result.Leads).Fields["note"]);
        Assert.Equal(4, Assert.Single(result.Errors).Line);
    }

    [Theory]
    [InlineData("phone,name\n2025550143,ab\"c\n2025550144,ok\n", 2, "quote inside an unquoted field")]
    [InlineData("phone,name\n2025550143,\"abc\"x\n2025550144,ok\n", 2, "characters after a closing quote")]
    [InlineData("phone,name\n2025550144,ok\n2025550143,\"never closed\n", 3, "unterminated quoted field")]
    public void Import_MalformedQuotes_RowRejectedOthersKept(string csv, int line, string message)
    {
        var result = LeadCsvImporter.Import(csv, Options);

        Assert.True(result.Success);
        Assert.Equal(["+12025550144"], result.Leads.Select(l => l.E164));
        var error = Assert.Single(result.Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("number,name\n2025550143,a\n", "no 'phone' column")]
    [InlineData("phone,,name\n", "column 2 is empty")]
    [InlineData("phone,Phone\n", "appears twice")]
    public void Import_BadHeader_FatalErrorAndNothingImported(string csv, string message)
    {
        var result = LeadCsvImporter.Import(csv, Options);

        Assert.False(result.Success);
        Assert.Empty(result.Leads);
        Assert.Contains(message, result.FatalError, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_OversizeFieldAndTooManyRows_BoundedByLimits()
    {
        var options = Options with { MaxFieldLength = 12, MaxRows = 2 };
        var tooLong = LeadCsvImporter.Import("phone,n\n2025550143,1234567890123\n2025550144,ok\n", options);
        var tooMany = LeadCsvImporter.Import("phone\n2025550143\n2025550144\n2025550145\n", options);

        Assert.Equal("line 2: field longer than 12 characters", Assert.Single(tooLong.Errors).ToString());
        Assert.Single(tooLong.Leads);
        Assert.False(tooMany.Success);
        Assert.Contains("more than 2 rows", tooMany.FatalError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_AnyChunking_SameResultAsWholeText()
    {
        var csv = Good + "a4,bad,\"x\ny\",1\nq1,\"2025550111\",\"q\"\"\",2";
        var whole = LeadCsvImporter.Import(csv, Options);

        foreach (var size in new[] { 1, 2, 3, 7, 64 })
        {
            using var reader = new ChunkedReader(csv, size);
            var chunked = await LeadCsvImporter.ImportAsync(reader, Options);

            Assert.Equal(whole.Leads.Select(l => (l.Id, l.E164, l.SourceLine)), chunked.Leads.Select(l => (l.Id, l.E164, l.SourceLine)));
            Assert.Equal(whole.Errors, chunked.Errors);
        }

        Assert.Equal(4, whole.Leads.Count);
        Assert.Equal(5, Assert.Single(whole.Errors).Line);
    }

    [Fact]
    public void Import_RegionOption_NationalNumbersInThatRegion()
    {
        var result = LeadCsvImporter.Import("phone\n020 7946 0018\n", Options with { DefaultRegion = "GB" });

        Assert.Equal("+442079460018", Assert.Single(result.Leads).E164);
    }

    /// <summary>A reader that returns at most <c>size</c> characters per read.</summary>
    private sealed class ChunkedReader(string text, int size) : TextReader
    {
        private int _position;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            var n = Math.Min(Math.Min(size, buffer.Length), text.Length - _position);
            text.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
    }
}
