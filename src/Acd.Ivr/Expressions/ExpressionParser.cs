using System.Globalization;

namespace Acd.Ivr.Expressions;

/// <summary>A compiled expression with the names it refers to (for load-time checks and queue look-ups).</summary>
internal sealed record CompiledExpression(
    string Text,
    Expression Root,
    IReadOnlyList<string> Queues,
    IReadOnlyList<(string Name, int Offset)> Schedules,
    IReadOnlyList<string> Variables);

/// <summary>A parse error: message and 0-based offset into the expression text.</summary>
internal readonly record struct ExpressionError(string Message, int Offset);

/// <summary>
/// Tokenizer and recursive-descent parser for the script expression language: literals ('text', "text", 12, 1.5,
/// 30s, 5m, true, false, null), names (caller, dialed, language, call_id, vars.x), comparisons (== != &lt; &lt;= &gt; &gt;=),
/// + and -, and/or/not (also &amp;&amp; || !), parentheses, and a fixed set of functions. No other code can run.
/// </summary>
internal sealed class ExpressionParser
{
    private static readonly Dictionary<string, (FunctionKind Kind, int Arity, ArgumentRole Role)> Functions =
        new(StringComparer.Ordinal)
        {
            ["business_hours"] = (FunctionKind.BusinessHours, 1, ArgumentRole.Schedule),
            ["holiday"] = (FunctionKind.Holiday, 1, ArgumentRole.Schedule),
            ["ewt"] = (FunctionKind.Ewt, 1, ArgumentRole.Queue),
            ["agents_available"] = (FunctionKind.AgentsAvailable, 1, ArgumentRole.Queue),
            ["calls_waiting"] = (FunctionKind.CallsWaiting, 1, ArgumentRole.Queue),
            ["starts_with"] = (FunctionKind.StartsWith, 2, ArgumentRole.Any),
            ["ends_with"] = (FunctionKind.EndsWith, 2, ArgumentRole.Any),
            ["contains"] = (FunctionKind.Contains, 2, ArgumentRole.Any),
            ["len"] = (FunctionKind.Length, 1, ArgumentRole.Any),
        };

    private static readonly Dictionary<string, Builtin> Builtins = new(StringComparer.Ordinal)
    {
        ["caller"] = Builtin.Caller,
        ["dialed"] = Builtin.Dialed,
        ["language"] = Builtin.Language,
        ["call_id"] = Builtin.CallId,
    };

    private readonly string _text;
    private readonly List<string> _queues = [];
    private readonly List<(string, int)> _schedules = [];
    private readonly List<string> _variables = [];
    private int _pos;
    private Token _token;

    private ExpressionParser(string text)
    {
        _text = text;
    }

    private enum ArgumentRole
    {
        Any,
        Schedule,
        Queue,
    }

    private enum TokenKind
    {
        End,
        Number,
        String,
        Name,
        LeftParen,
        RightParen,
        Comma,
        Operator,
    }

    /// <summary>Names a script may use, for "did you mean" hints.</summary>
    public static IEnumerable<string> KnownNames => Builtins.Keys.Concat(Functions.Keys).Append("vars.");

    /// <summary>Parses and compiles <paramref name="text"/>; returns false with the first error and its offset.</summary>
    public static bool TryCompile(string text, out CompiledExpression? expression, out ExpressionError error)
    {
        var parser = new ExpressionParser(text);
        try
        {
            parser.Next();
            var root = parser.ParseOr();
            if (parser._token.Kind != TokenKind.End)
            {
                throw new ParseException($"unexpected '{parser._token.Text}'", parser._token.Offset);
            }

            expression = new CompiledExpression(text, root, parser._queues, parser._schedules, parser._variables);
            error = default;
            return true;
        }
        catch (ParseException e)
        {
            expression = null;
            error = new ExpressionError(e.Message, e.Offset);
            return false;
        }
    }

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (IsOperator("or") || IsOperator("||"))
        {
            Next();
            left = new OrExpression(left, ParseAnd());
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (IsOperator("and") || IsOperator("&&"))
        {
            Next();
            left = new AndExpression(left, ParseNot());
        }

        return left;
    }

    private Expression ParseNot()
    {
        if (IsOperator("not") || IsOperator("!"))
        {
            Next();
            return new NotExpression(ParseNot());
        }

        return ParseComparison();
    }

    private Expression ParseComparison()
    {
        var left = ParseAdditive();
        if (_token.Kind == TokenKind.Operator)
        {
            BinaryOperator? op = _token.Text switch
            {
                "==" => BinaryOperator.Equal,
                "!=" => BinaryOperator.NotEqual,
                "<" => BinaryOperator.Less,
                "<=" => BinaryOperator.LessOrEqual,
                ">" => BinaryOperator.Greater,
                ">=" => BinaryOperator.GreaterOrEqual,
                _ => null,
            };
            if (op is { } o)
            {
                Next();
                left = new BinaryExpression(o, left, ParseAdditive());
                if (_token.Kind == TokenKind.Operator && _token.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
                {
                    throw new ParseException("comparisons cannot be chained; use 'and'", _token.Offset);
                }
            }
        }

        return left;
    }

    private Expression ParseAdditive()
    {
        var left = ParseUnary();
        while (IsOperator("+") || IsOperator("-"))
        {
            var op = _token.Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract;
            Next();
            left = new BinaryExpression(op, left, ParseUnary());
        }

        return left;
    }

    private Expression ParseUnary()
    {
        if (IsOperator("-"))
        {
            Next();
            return new NegateExpression(ParseUnary());
        }

        return ParsePrimary();
    }

    private Expression ParsePrimary()
    {
        var token = _token;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                return new ConstantExpression(IvrValue.FromNumber(token.Number));
            case TokenKind.String:
                Next();
                return new ConstantExpression(IvrValue.FromString(token.Text));
            case TokenKind.LeftParen:
                Next();
                var inner = ParseOr();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.Name:
                Next();
                return ParseName(token);
            case TokenKind.End:
                throw new ParseException("expression is incomplete", token.Offset);
            default:
                throw new ParseException($"unexpected '{token.Text}'", token.Offset);
        }
    }

    private Expression ParseName(Token name)
    {
        switch (name.Text)
        {
            case "true":
                return new ConstantExpression(IvrValue.True);
            case "false":
                return new ConstantExpression(IvrValue.False);
            case "null":
                return new ConstantExpression(IvrValue.Null);
        }

        if (_token.Kind == TokenKind.LeftParen)
        {
            return ParseCall(name);
        }

        if (Builtins.TryGetValue(name.Text, out var builtin))
        {
            return new BuiltinExpression(builtin);
        }

        if (name.Text.StartsWith("vars.", StringComparison.Ordinal) && IsVariableName(name.Text.AsSpan(5)))
        {
            var variable = name.Text[5..];
            _variables.Add(variable);
            return new VariableExpression(variable);
        }

        throw new ParseException($"unknown name '{name.Text}'{Suggest.DidYouMean(name.Text, Builtins.Keys)}; variables are written vars.name", name.Offset);
    }

    private FunctionExpression ParseCall(Token name)
    {
        if (!Functions.TryGetValue(name.Text, out var function))
        {
            throw new ParseException($"unknown function '{name.Text}'{Suggest.DidYouMean(name.Text, Functions.Keys)}", name.Offset);
        }

        Next();
        var arguments = new List<Expression>();
        if (_token.Kind != TokenKind.RightParen)
        {
            while (true)
            {
                var argumentToken = _token;
                var argument = ParseOr();
                if (function.Role != ArgumentRole.Any && arguments.Count == 0)
                {
                    if (argument is not ConstantExpression { Value.Kind: IvrValueKind.String } constant)
                    {
                        throw new ParseException($"{name.Text}() takes a quoted {(function.Role == ArgumentRole.Queue ? "queue" : "schedule")} name", argumentToken.Offset);
                    }

                    if (function.Role == ArgumentRole.Queue)
                    {
                        _queues.Add(constant.Value.AsString());
                    }
                    else
                    {
                        _schedules.Add((constant.Value.AsString(), argumentToken.Offset));
                    }
                }

                arguments.Add(argument);
                if (_token.Kind != TokenKind.Comma)
                {
                    break;
                }

                Next();
            }
        }

        Expect(TokenKind.RightParen, "')'");
        if (arguments.Count != function.Arity)
        {
            throw new ParseException($"{name.Text}() takes {function.Arity} argument{(function.Arity == 1 ? "" : "s")}, not {arguments.Count}", name.Offset);
        }

        return new FunctionExpression(function.Kind, [.. arguments]);
    }

    internal static bool IsVariableName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsOperator(string text) => _token.Kind == TokenKind.Operator && _token.Text == text;

    private void Expect(TokenKind kind, string what)
    {
        if (_token.Kind != kind)
        {
            throw new ParseException(_token.Kind == TokenKind.End ? $"missing {what}" : $"expected {what} but found '{_token.Text}'", _token.Offset);
        }

        Next();
    }

    private void Next()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }

        var start = _pos;
        if (_pos >= _text.Length)
        {
            _token = new Token(TokenKind.End, string.Empty, start, 0);
            return;
        }

        var c = _text[_pos];
        if (char.IsAsciiDigit(c))
        {
            _token = ReadNumber(start);
            return;
        }

        if (c is '\'' or '"')
        {
            var end = _text.IndexOf(c, _pos + 1);
            if (end < 0)
            {
                throw new ParseException("unterminated string", start);
            }

            _pos = end + 1;
            _token = new Token(TokenKind.String, _text[(start + 1)..end], start, 0);
            return;
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '.'))
            {
                _pos++;
            }

            var word = _text[start.._pos];
            _token = word is "and" or "or" or "not"
                ? new Token(TokenKind.Operator, word, start, 0)
                : new Token(TokenKind.Name, word, start, 0);
            return;
        }

        _pos++;
        switch (c)
        {
            case '(':
                _token = new Token(TokenKind.LeftParen, "(", start, 0);
                return;
            case ')':
                _token = new Token(TokenKind.RightParen, ")", start, 0);
                return;
            case ',':
                _token = new Token(TokenKind.Comma, ",", start, 0);
                return;
            case '+' or '-':
                _token = new Token(TokenKind.Operator, c.ToString(), start, 0);
                return;
            case '<' or '>' or '=' or '!':
                if (_pos < _text.Length && _text[_pos] == '=')
                {
                    _pos++;
                }
                else if (c == '=')
                {
                    throw new ParseException("use '==' to compare", start);
                }

                _token = new Token(TokenKind.Operator, _text[start.._pos], start, 0);
                return;
            case '&' or '|':
                if (_pos < _text.Length && _text[_pos] == c)
                {
                    _pos++;
                    _token = new Token(TokenKind.Operator, _text[start.._pos], start, 0);
                    return;
                }

                throw new ParseException($"use '{c}{c}' or '{(c == '&' ? "and" : "or")}'", start);
            default:
                throw new ParseException($"unexpected character '{c}'", start);
        }
    }

    private Token ReadNumber(int start)
    {
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '.'))
        {
            _pos++;
        }

        if (!double.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new ParseException($"invalid number '{_text[start.._pos]}'", start);
        }

        // Duration suffixes give seconds, so that ewt('billing') > 5m reads naturally.
        var unitStart = _pos;
        while (_pos < _text.Length && char.IsAsciiLetter(_text[_pos]))
        {
            _pos++;
        }

        var unit = _text[unitStart.._pos];
        value *= unit switch
        {
            "" or "s" => 1,
            "ms" => 0.001,
            "m" => 60,
            "h" => 3600,
            _ => throw new ParseException($"unknown unit '{unit}' (use s, m, h or ms)", unitStart),
        };
        return new Token(TokenKind.Number, _text[start.._pos], start, value);
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Offset, double Number);

    private sealed class ParseException(string message, int offset) : Exception(message)
    {
        public int Offset { get; } = offset;
    }
}
