using System.Globalization;
using System.Text;
using Acd.Dialer.Compliance;

namespace Acd.Dialer.Leads;

/// <summary>Limits and column names of a lead CSV import. Defaults suit files of up to a million rows.</summary>
public sealed record LeadImportOptions
{
    /// <summary>Header of the column that holds the number (case-insensitive).</summary>
    public string PhoneColumn { get; init; } = "phone";

    /// <summary>Header of an optional column with the lead's id; the line number is used when absent.</summary>
    public string IdColumn { get; init; } = "id";

    /// <summary>Region for numbers written without a country code.</summary>
    public string DefaultRegion { get; init; } = "US";

    public int MaxRows { get; init; } = 1_000_000;

    public int MaxColumns { get; init; } = 64;

    public int MaxFieldLength { get; init; } = 1024;

    public char Separator { get; init; } = ',';

    /// <summary>Errors kept in the report; the rest are only counted.</summary>
    public int MaxReportedErrors { get; init; } = 1000;
}

/// <summary>What an import produced: the leads and every rejected row with its line and reason.</summary>
public sealed record LeadImportResult(IReadOnlyList<Lead> Leads, IReadOnlyList<LineError> Errors, int RejectedRows, string? FatalError)
{
    public bool Success => FatalError is null;
}

/// <summary>
/// Imports a lead list from CSV (RFC 4180: quoted fields, doubled quotes, quoted line breaks, CRLF or LF).
/// The first record is the header; the phone column is required and every other column becomes a custom field.
/// Numbers are normalised to E.164; rows with an invalid number, a wrong field count, an oversize field or a
/// duplicate number are reported with their line number and not imported. Malformed input never throws.
/// </summary>
public static class LeadCsvImporter
{
    public static async Task<LeadImportResult> ImportAsync(TextReader reader, LeadImportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        var parser = new CsvRecordParser(options.Separator, options.MaxFieldLength, options.MaxColumns);
        var import = new ImportRun(options);
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            Feed(parser, import, buffer.AsSpan(0, read));
            if (import.Fatal is not null)
            {
                return import.Result();
            }
        }

        if (parser.Finish() is { } last)
        {
            import.Accept(last);
        }

        if (parser.PendingError is { } error)
        {
            import.Reject(error.Line, error.Message);
        }

        import.AtEnd();
        return import.Result();
    }

    public static LeadImportResult Import(string csv, LeadImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(options);
        var parser = new CsvRecordParser(options.Separator, options.MaxFieldLength, options.MaxColumns);
        var import = new ImportRun(options);
        Feed(parser, import, csv);
        if (import.Fatal is null)
        {
            if (parser.Finish() is { } last)
            {
                import.Accept(last);
            }

            if (parser.PendingError is { } error)
            {
                import.Reject(error.Line, error.Message);
            }

            import.AtEnd();
        }

        return import.Result();
    }

    private static void Feed(CsvRecordParser parser, ImportRun import, ReadOnlySpan<char> chars)
    {
        var consumed = 0;
        while (consumed < chars.Length && import.Fatal is null)
        {
            consumed += parser.Feed(chars[consumed..], out var record);
            if (record is not null)
            {
                import.Accept(record);
            }
            else if (parser.PendingError is { } error)
            {
                import.Reject(error.Line, error.Message);
                parser.ClearError();
            }
        }
    }

    private sealed class ImportRun(LeadImportOptions options)
    {
        private readonly List<Lead> _leads = [];
        private readonly List<LineError> _errors = [];
        private readonly HashSet<string> _numbers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private string[]? _header;
        private int _phone = -1;
        private int _id = -1;
        private int _rows;
        private int _rejected;

        public string? Fatal { get; private set; }

        public void Accept(CsvRecord record)
        {
            if (_header is null)
            {
                ReadHeader(record);
                return;
            }

            if (record.Fields.Count == 1 && record.Fields[0].Length == 0)
            {
                return; // blank line
            }

            if (++_rows > options.MaxRows)
            {
                Fatal = string.Create(CultureInfo.InvariantCulture, $"line {record.Line}: more than {options.MaxRows} rows");
                return;
            }

            if (record.Fields.Count != _header.Length)
            {
                Reject(record.Line, string.Create(CultureInfo.InvariantCulture, $"expected {_header.Length} fields, found {record.Fields.Count}"));
                return;
            }

            var raw = record.Fields[_phone];
            if (!PhoneNumberNormaliser.TryNormalise(raw, options.DefaultRegion, out var number, out var error))
            {
                Reject(record.Line, $"invalid number '{Truncate(raw)}': {error}");
                return;
            }

            if (!_numbers.Add(number!.E164))
            {
                Reject(record.Line, $"duplicate number {number.E164}");
                return;
            }

            var id = _id >= 0 ? record.Fields[_id] : record.Line.ToString(CultureInfo.InvariantCulture);
            if (id.Length == 0 || !_ids.Add(id))
            {
                _numbers.Remove(number.E164);
                Reject(record.Line, id.Length == 0 ? "empty id" : $"duplicate id '{Truncate(id)}'");
                return;
            }

            var fields = new Dictionary<string, string>(_header.Length, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < _header.Length; i++)
            {
                if (i != _phone && i != _id)
                {
                    fields[_header[i]] = record.Fields[i];
                }
            }

            _leads.Add(new Lead(id, number.E164, number.TimeZones, fields, record.Line));
        }

        public void Reject(int line, string message)
        {
            if (_header is null && Fatal is null)
            {
                Fatal = $"line {line}: header: {message}";
                return;
            }

            _rejected++;
            if (_errors.Count < options.MaxReportedErrors)
            {
                _errors.Add(new LineError(line, message));
            }
        }

        public void AtEnd()
        {
            if (_header is null && Fatal is null)
            {
                Fatal = "empty file: a header with a phone column is required";
            }
        }

        public LeadImportResult Result() => new(Fatal is null ? _leads : [], _errors, _rejected, Fatal);

        private void ReadHeader(CsvRecord record)
        {
            var header = record.Fields.Select(f => f.Trim()).ToArray();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
            {
                if (header[i].Length == 0)
                {
                    Fatal = string.Create(CultureInfo.InvariantCulture, $"line {record.Line}: header column {i + 1} is empty");
                    return;
                }

                if (!seen.Add(header[i]))
                {
                    Fatal = string.Create(CultureInfo.InvariantCulture, $"line {record.Line}: header column '{header[i]}' appears twice");
                    return;
                }

                if (string.Equals(header[i], options.PhoneColumn, StringComparison.OrdinalIgnoreCase))
                {
                    _phone = i;
                }
                else if (string.Equals(header[i], options.IdColumn, StringComparison.OrdinalIgnoreCase))
                {
                    _id = i;
                }
            }

            if (_phone < 0)
            {
                Fatal = string.Create(CultureInfo.InvariantCulture, $"line {record.Line}: header has no '{options.PhoneColumn}' column");
                return;
            }

            _header = header;
        }

        private static string Truncate(string s) => s.Length <= 32 ? s : string.Concat(s.AsSpan(0, 32), "...");
    }
}

/// <summary>One CSV record and the 1-based line it started on.</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// Pure, resumable RFC 4180 record parser: feed any chunking of the text, get the same records. A malformed
/// record (stray quote, oversize field, too many fields) becomes <see cref="PendingError"/> and the parser skips
/// to the end of that record.
/// </summary>
internal sealed class CsvRecordParser(char separator, int maxFieldLength, int maxFields)
{
    private readonly StringBuilder _field = new();
    private readonly List<string> _fields = [];
    private State _state = State.FieldStart;
    private int _line = 1;
    private int _recordLine = 1;
    private bool _skipping;
    private bool _any;

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
        AfterCr,
    }

    public (int Line, string Message)? PendingError { get; private set; }

    public void ClearError() => PendingError = null;

    /// <summary>Consumes characters up to and including the end of one record; returns how many were consumed.</summary>
    public int Feed(ReadOnlySpan<char> chars, out CsvRecord? record)
    {
        record = null;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            _any = true;
            if (_state == State.AfterCr)
            {
                _state = State.FieldStart;
                if (c == '\n')
                {
                    continue;
                }
            }

            switch (_state)
            {
                case State.Quoted:
                    if (c == '"')
                    {
                        _state = State.QuoteInQuoted;
                    }
                    else
                    {
                        if (c == '\n')
                        {
                            _line++;
                        }

                        Append(c);
                    }

                    continue;
                case State.QuoteInQuoted:
                    if (c == '"')
                    {
                        Append('"');
                        _state = State.Quoted;
                        continue;
                    }

                    if (c != separator && c != '\n' && c != '\r')
                    {
                        Fail("characters after a closing quote");
                        _state = State.Unquoted;
                        continue;
                    }

                    break;
                case State.FieldStart when c == '"':
                    _state = State.Quoted;
                    continue;
                case State.Unquoted when c == '"':
                    Fail("quote inside an unquoted field");
                    continue;
            }

            if (c == separator)
            {
                EndField();
                _state = State.FieldStart;
            }
            else if (c is '\n' or '\r')
            {
                EndField();
                record = EndRecord();
                _line++;
                _recordLine = _line;
                _state = c == '\r' ? State.AfterCr : State.FieldStart;
                if (record is not null || PendingError is not null)
                {
                    return i + 1;
                }
            }
            else
            {
                Append(c);
                _state = State.Unquoted;
            }
        }

        return chars.Length;
    }

    /// <summary>Ends the last record at end of input (no final line break).</summary>
    public CsvRecord? Finish()
    {
        if (_state == State.Quoted)
        {
            Fail("unterminated quoted field at end of file");
            _skipping = true;
        }

        if (!_any || (_state is (State.FieldStart or State.AfterCr) && _fields.Count == 0 && _field.Length == 0))
        {
            return null;
        }

        EndField();
        var record = EndRecord();
        _any = false;
        return record;
    }

    private void Append(char c)
    {
        if (_skipping)
        {
            return;
        }

        if (_field.Length >= maxFieldLength)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"field longer than {maxFieldLength} characters"));
            return;
        }

        _field.Append(c);
    }

    private void EndField()
    {
        if (!_skipping)
        {
            if (_fields.Count >= maxFields)
            {
                Fail(string.Create(CultureInfo.InvariantCulture, $"more than {maxFields} fields"));
            }
            else
            {
                _fields.Add(_field.ToString());
            }
        }

        _field.Clear();
    }

    private CsvRecord? EndRecord()
    {
        var record = _skipping ? null : new CsvRecord(_recordLine, _fields.ToArray());
        _fields.Clear();
        _skipping = false;
        return record;
    }

    private void Fail(string message)
    {
        if (!_skipping)
        {
            PendingError = (_recordLine, message);
            _skipping = true;
            _field.Clear();
        }
    }
}
