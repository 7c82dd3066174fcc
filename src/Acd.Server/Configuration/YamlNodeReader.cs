using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Acd.Server.Configuration;

/// <summary>
/// Strict reading of a YAML document into configuration: every unknown key, wrong type or bad value becomes a
/// <see cref="ConfigDiagnostic"/> naming file, line, column and key, and reading goes on so all errors are reported.
/// </summary>
internal sealed class YamlNodeReader(string file)
{
    private readonly List<ConfigDiagnostic> _errors = [];

    public string File { get; } = file;

    public IReadOnlyList<ConfigDiagnostic> Errors => _errors;

    public YamlNode? Load(TextReader text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(text);
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            Error(e.Start, "(syntax)", e.InnerException?.Message ?? e.Message);
            return null;
        }
    }

    public void Error(Mark mark, string key, string message) =>
        _errors.Add(new ConfigDiagnostic(File, (int)mark.Line, (int)mark.Column, key, message));

    public void Error(YamlNode node, string key, string message) => Error(node.Start, key, message);

    /// <summary>The entries of a mapping, reporting keys not in <paramref name="known"/>.</summary>
    public IEnumerable<(string Key, YamlNode Value, YamlNode KeyNode)> Entries(YamlNode? node, string path, IReadOnlyCollection<string>? known = null)
    {
        if (node is null)
        {
            yield break;
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, path, "expected a mapping (key: value)");
            yield break;
        }

        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (known is not null && !known.Contains(key))
            {
                Error(k, Join(path, key), $"unknown key '{key}' (known: {string.Join(", ", known)})");
                continue;
            }

            yield return (key, v, k);
        }
    }

    public IEnumerable<(int Index, YamlNode Item)> Items(YamlNode? node, string path)
    {
        if (node is null)
        {
            yield break;
        }

        if (node is not YamlSequenceNode seq)
        {
            Error(node, path, "expected a list");
            yield break;
        }

        for (var i = 0; i < seq.Children.Count; i++)
        {
            yield return (i, seq.Children[i]);
        }
    }

    public string? String(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } v })
        {
            return v;
        }

        Error(node, path, "expected a text value");
        return null;
    }

    public int? Int(YamlNode node, string path, int min, int max)
    {
        var s = String(node, path);
        if (s is null)
        {
            return null;
        }

        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            Error(node, path, $"'{s}' is not a whole number");
            return null;
        }

        if (v < min || v > max)
        {
            Error(node, path, $"{v} is outside {min}-{max}");
            return null;
        }

        return v;
    }

    public bool? Bool(YamlNode node, string path)
    {
        var s = String(node, path);
        switch (s)
        {
            case null:
                return null;
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(node, path, $"'{s}' is not true or false");
                return null;
        }
    }

    /// <summary>A duration: a number of seconds, or a number with unit ms, s, m or h (e.g. 20s, 2m, 1h, 1m30s).</summary>
    public TimeSpan? Duration(YamlNode node, string path)
    {
        var s = String(node, path);
        if (s is null)
        {
            return null;
        }

        if (TryParseDuration(s, out var d))
        {
            return d;
        }

        Error(node, path, $"'{s}' is not a duration (e.g. 20s, 2m, 1h30m)");
        return null;
    }

    public List<string> StringList(YamlNode node, string path)
    {
        var list = new List<string>();
        foreach (var (i, item) in Items(node, path))
        {
            if (String(item, $"{path}[{i}]") is { } s)
            {
                list.Add(s);
            }
        }

        return list;
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
            return seconds >= 0 && double.IsFinite(seconds);
        }

        var i = 0;
        var total = 0.0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            var unit = s.AsSpan(unitStart, i - unitStart);
            double scale = unit switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => double.NaN,
            };
            if (double.IsNaN(scale))
            {
                return false;
            }

            total += n * scale;
        }

        value = TimeSpan.FromSeconds(total);
        return true;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
