namespace Acd.Ivr.Scripting;

/// <summary>Turns numbers, digit strings and durations into the prompt names under prompts/say/ (English order).</summary>
public static class SayWords
{
    public static readonly string[] DigitPrompts = [.. Enumerable.Range(0, 10).Select(i => "say/" + i)];

    public static readonly string[] AllPrompts =
    [
        .. Enumerable.Range(0, 20).Select(i => "say/" + i),
        .. Enumerable.Range(2, 8).Select(i => "say/" + (i * 10)),
        "say/hundred", "say/thousand", "say/minute", "say/minutes",
    ];

    /// <summary>Largest number read out; larger values are clamped (a caller never needs more).</summary>
    public const long MaxNumber = 999_999;

    public static void Digits(string text, List<string> output)
    {
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                output.Add(DigitPrompts[c - '0']);
            }
        }
    }

    public static void Number(double value, List<string> output)
    {
        var n = (long)Math.Clamp(Math.Round(value), 0, MaxNumber);
        if (n == 0)
        {
            output.Add("say/0");
            return;
        }

        if (n >= 1000)
        {
            Below1000(n / 1000, output);
            output.Add("say/thousand");
            n %= 1000;
        }

        if (n > 0)
        {
            Below1000(n, output);
        }
    }

    /// <summary>"about N minutes": seconds rounded up to whole minutes, at least one.</summary>
    public static void Duration(double seconds, List<string> output)
    {
        var minutes = Math.Max(1, (long)Math.Ceiling(Math.Min(seconds, MaxNumber * 60d) / 60));
        Number(minutes, output);
        output.Add(minutes == 1 ? "say/minute" : "say/minutes");
    }

    private static void Below1000(long n, List<string> output)
    {
        if (n >= 100)
        {
            output.Add("say/" + (n / 100));
            output.Add("say/hundred");
            n %= 100;
        }

        if (n >= 20)
        {
            output.Add("say/" + (n / 10 * 10));
            n %= 10;
        }

        if (n > 0)
        {
            output.Add("say/" + n);
        }
    }
}
