namespace Acd.Ivr.Expressions;

/// <summary>What an expression can read while it runs: call facts, variables, calendars and queue conditions.</summary>
internal interface IExpressionScope
{
    IvrValue GetBuiltin(Builtin builtin);

    IvrValue GetVariable(string name);

    bool IsBusinessHours(string schedule);

    bool IsHoliday(string schedule);

    IvrQueueSnapshot GetQueue(string queue);
}

/// <summary>Queue conditions as an expression sees them (seconds, counts).</summary>
internal readonly record struct IvrQueueSnapshot(double EstimatedWaitSeconds, int AgentsAvailable, int CallsWaiting);

internal enum Builtin
{
    Caller,
    Dialed,
    Language,
    CallId,
}

/// <summary>A compiled expression tree. Immutable and shared by every call running the script.</summary>
internal abstract class Expression
{
    public abstract IvrValue Evaluate(IExpressionScope scope);
}

internal sealed class ConstantExpression(IvrValue value) : Expression
{
    public IvrValue Value { get; } = value;

    public override IvrValue Evaluate(IExpressionScope scope) => Value;
}

internal sealed class BuiltinExpression(Builtin builtin) : Expression
{
    public override IvrValue Evaluate(IExpressionScope scope) => scope.GetBuiltin(builtin);
}

internal sealed class VariableExpression(string name) : Expression
{
    public string Name { get; } = name;

    public override IvrValue Evaluate(IExpressionScope scope) => scope.GetVariable(Name);
}

internal sealed class NotExpression(Expression operand) : Expression
{
    public override IvrValue Evaluate(IExpressionScope scope) => IvrValue.FromBoolean(!operand.Evaluate(scope).IsTruthy);
}

internal sealed class NegateExpression(Expression operand) : Expression
{
    public override IvrValue Evaluate(IExpressionScope scope) =>
        operand.Evaluate(scope).TryGetNumber(out var n) ? IvrValue.FromNumber(-n) : IvrValue.Null;
}

internal sealed class AndExpression(Expression left, Expression right) : Expression
{
    public override IvrValue Evaluate(IExpressionScope scope) =>
        IvrValue.FromBoolean(left.Evaluate(scope).IsTruthy && right.Evaluate(scope).IsTruthy);
}

internal sealed class OrExpression(Expression left, Expression right) : Expression
{
    public override IvrValue Evaluate(IExpressionScope scope) =>
        IvrValue.FromBoolean(left.Evaluate(scope).IsTruthy || right.Evaluate(scope).IsTruthy);
}

internal enum BinaryOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
}

internal sealed class BinaryExpression(BinaryOperator op, Expression left, Expression right) : Expression
{
    public override IvrValue Evaluate(IExpressionScope scope)
    {
        var a = left.Evaluate(scope);
        var b = right.Evaluate(scope);
        switch (op)
        {
            case BinaryOperator.Equal:
                return IvrValue.FromBoolean(a == b);
            case BinaryOperator.NotEqual:
                return IvrValue.FromBoolean(a != b);
            case BinaryOperator.Add or BinaryOperator.Subtract:
                if (a.TryGetNumber(out var x) && b.TryGetNumber(out var y))
                {
                    return IvrValue.FromNumber(op == BinaryOperator.Add ? x + y : x - y);
                }

                // '+' on text concatenates; '-' on text has no meaning and yields null.
                return op == BinaryOperator.Add ? IvrValue.FromString(a.AsString() + b.AsString()) : IvrValue.Null;
            default:
                if (a.Kind == IvrValueKind.Null || b.Kind == IvrValueKind.Null)
                {
                    return IvrValue.False;
                }

                var c = IvrValue.Compare(a, b);
                return IvrValue.FromBoolean(op switch
                {
                    BinaryOperator.Less => c < 0,
                    BinaryOperator.LessOrEqual => c <= 0,
                    BinaryOperator.Greater => c > 0,
                    _ => c >= 0,
                });
        }
    }
}

internal enum FunctionKind
{
    BusinessHours,
    Holiday,
    Ewt,
    AgentsAvailable,
    CallsWaiting,
    StartsWith,
    EndsWith,
    Contains,
    Length,
}

internal sealed class FunctionExpression(FunctionKind function, Expression[] arguments) : Expression
{
    public FunctionKind Function { get; } = function;

    public IReadOnlyList<Expression> Arguments => arguments;

    public override IvrValue Evaluate(IExpressionScope scope)
    {
        switch (Function)
        {
            case FunctionKind.BusinessHours:
                return IvrValue.FromBoolean(scope.IsBusinessHours(Arg(scope, 0)));
            case FunctionKind.Holiday:
                return IvrValue.FromBoolean(scope.IsHoliday(Arg(scope, 0)));
            case FunctionKind.Ewt:
                return IvrValue.FromNumber(scope.GetQueue(Arg(scope, 0)).EstimatedWaitSeconds);
            case FunctionKind.AgentsAvailable:
                return IvrValue.FromNumber(scope.GetQueue(Arg(scope, 0)).AgentsAvailable);
            case FunctionKind.CallsWaiting:
                return IvrValue.FromNumber(scope.GetQueue(Arg(scope, 0)).CallsWaiting);
            case FunctionKind.StartsWith:
                return IvrValue.FromBoolean(Arg(scope, 0).StartsWith(Arg(scope, 1), StringComparison.Ordinal));
            case FunctionKind.EndsWith:
                return IvrValue.FromBoolean(Arg(scope, 0).EndsWith(Arg(scope, 1), StringComparison.Ordinal));
            case FunctionKind.Contains:
                return IvrValue.FromBoolean(Arg(scope, 0).Contains(Arg(scope, 1), StringComparison.Ordinal));
            default:
                return IvrValue.FromNumber(Arg(scope, 0).Length);
        }
    }

    private string Arg(IExpressionScope scope, int index) => arguments[index].Evaluate(scope).AsString();
}
