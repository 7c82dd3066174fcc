using Acd.Ivr.Expressions;

namespace Acd.Ivr.Tests;

public class ExpressionTests
{
    [Theory]
    [InlineData("1 + 2 == 3", "true")]
    [InlineData("'a' + 'b'", "ab")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("-2 + 5", "3")]
    [InlineData("5m", "300")]
    [InlineData("1500ms", "1.5")]
    [InlineData("2 < 3 and 3 <= 3 and 4 > 3 and 4 >= 5", "false")]
    [InlineData("not false or false", "true")]
    [InlineData("!(1 == 1) || 2 != 2", "false")]
    [InlineData("true && !false", "true")]
    [InlineData("vars.account == '12'", "false")]
    [InlineData("vars.account == '0012'", "true")]
    [InlineData("vars.account == 12", "true")]
    [InlineData("vars.missing == null", "true")]
    [InlineData("vars.missing > 1", "false")]
    [InlineData("caller", "+15551234567")]
    [InlineData("starts_with(caller, '+1') and ends_with(dialed, '00') and contains(caller, '555')", "true")]
    [InlineData("len(vars.account)", "4")]
    [InlineData("ewt('billing') > 4m", "true")]
    [InlineData("agents_available('billing') + calls_waiting('billing')", "7")]
    [InlineData("business_hours('office') and not holiday('office')", "true")]
    [InlineData("language == \"en\"", "true")]
    public void Evaluate_Expression_ReturnsValue(string text, string expected)
    {
        Assert.True(ExpressionParser.TryCompile(text, out var expression, out var error), error.Message);
        Assert.Equal(expected, expression!.Root.Evaluate(new Scope()).AsString());
    }

    [Theory]
    [InlineData("1 +", "expression is incomplete", 3)]
    [InlineData("(1 == 1", "missing ')'", 7)]
    [InlineData("a == 1", "unknown name 'a'", 0)]
    [InlineData("vars.1x == 1", "unknown name 'vars.1x'", 0)]
    [InlineData("exec('rm -rf /')", "unknown function 'exec'", 0)]
    [InlineData("ewt(vars.q)", "ewt() takes a quoted queue name", 4)]
    [InlineData("len('a', 'b')", "len() takes 1 argument, not 2", 0)]
    [InlineData("1 < 2 < 3", "comparisons cannot be chained", 6)]
    [InlineData("'open", "unterminated string", 0)]
    [InlineData("1 & 2", "use '&&' or 'and'", 2)]
    [InlineData("3weeks", "unknown unit 'weeks'", 1)]
    [InlineData("1 # 2", "unexpected character '#'", 2)]
    [InlineData("caler == 1", "unknown name 'caler' (did you mean 'caller'?)", 0)]
    public void TryCompile_Invalid_ReportsMessageAndOffset(string text, string message, int offset)
    {
        Assert.False(ExpressionParser.TryCompile(text, out _, out var error));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(offset, error.Offset);
    }

    [Fact]
    public void TryCompile_QueueAndScheduleNames_AreCollected()
    {
        Assert.True(ExpressionParser.TryCompile("ewt('a') > 1 or agents_available('b') == 0 or business_hours('office')", out var expression, out _));
        Assert.Equal(["a", "b"], expression!.Queues);
        Assert.Equal("office", Assert.Single(expression.Schedules).Name);
    }

    [Fact]
    public void IvrValue_Compare_NumbersAndText()
    {
        Assert.True(IvrValue.Compare(IvrValue.FromString("10"), IvrValue.FromNumber(9)) > 0);
        Assert.True(IvrValue.Compare(IvrValue.FromString("10"), IvrValue.FromString("9")) < 0);
        Assert.False(IvrValue.FromString(string.Empty).IsTruthy);
        Assert.True(IvrValue.FromNumber(0.5).IsTruthy);
        Assert.Equal(IvrValue.Null, IvrValue.FromString(null));
    }

    private sealed class Scope : IExpressionScope
    {
        public IvrValue GetBuiltin(Builtin builtin) => builtin switch
        {
            Builtin.Caller => IvrValue.FromString("+15551234567"),
            Builtin.Dialed => IvrValue.FromString("100"),
            Builtin.Language => IvrValue.FromString("en"),
            _ => IvrValue.FromString("call-1"),
        };

        public IvrValue GetVariable(string name) => name == "account" ? IvrValue.FromString("0012") : IvrValue.Null;

        public bool IsBusinessHours(string schedule) => schedule == "office";

        public bool IsHoliday(string schedule) => false;

        public IvrQueueSnapshot GetQueue(string queue) => new(300, 3, 4);
    }
}
