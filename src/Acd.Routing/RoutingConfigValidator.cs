using System.Globalization;

namespace Acd.Routing;

/// <summary>A configuration error and where it is: a path such as <c>queues[2].skills[0]</c> and the item's name.</summary>
public sealed record ConfigError(string Location, string Item, string Message)
{
    public override string ToString() => $"{Location} ({Item}): {Message}";
}

/// <summary>Validates a <see cref="RoutingConfig"/> and returns every error, not just the first.</summary>
public static class RoutingConfigValidator
{
    public const int MinLevel = 1;
    public const int MaxLevel = 10;
    public const int MaxPriority = 9;

    public static IReadOnlyList<ConfigError> Validate(RoutingConfig config, IReadOnlySet<string>? knownStrategies = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigError>();
        var strategies = knownStrategies ?? RoutingStrategies.BuiltInNames;
        var skills = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Skills.Count; i++)
        {
            var s = config.Skills[i];
            if (!IsName(s))
            {
                errors.Add(new($"skills[{i}]", s ?? "", "skill name must be 1-64 characters without spaces, '|', ',', '=' or ':'"));
            }
            else if (!skills.Add(s))
            {
                errors.Add(new($"skills[{i}]", s, "duplicate skill"));
            }
        }

        if (config.RingNoAnswerLimit < 1)
        {
            errors.Add(new("ringNoAnswerLimit", "ringNoAnswerLimit", "must be at least 1"));
        }

        var queueNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var q in config.Queues)
        {
            if (q.Name is not null)
            {
                queueNames.Add(q.Name);
            }
        }

        var seenQueues = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Queues.Count; i++)
        {
            var q = config.Queues[i];
            var at = $"queues[{i}]";
            var name = q.Name ?? "";
            if (!IsName(q.Name))
            {
                errors.Add(new(at + ".name", name, "queue name must be 1-64 characters without spaces, '|', ',', '=' or ':'"));
            }
            else if (!seenQueues.Add(q.Name!))
            {
                errors.Add(new(at + ".name", name, "duplicate queue name"));
            }

            if (q.Skills is null || q.Skills.Count == 0)
            {
                errors.Add(new(at + ".skills", name, "a queue needs at least one required skill"));
            }
            else
            {
                CheckRequirements(q.Skills, at + ".skills", name, skills, errors);
            }

            if (q.Priority is < 0 or > MaxPriority)
            {
                errors.Add(new(at + ".priority", name, $"priority {q.Priority} is outside 0-{MaxPriority}"));
            }

            if (!strategies.Contains(q.Strategy ?? ""))
            {
                errors.Add(new(at + ".strategy", name, $"unknown strategy '{q.Strategy}' (known: {string.Join(", ", strategies.Order(StringComparer.Ordinal))})"));
            }

            Positive(q.RingTimeout, at + ".ringTimeout", name, errors, allowZero: false);
            Positive(q.ServiceLevelThreshold, at + ".serviceLevelThreshold", name, errors, allowZero: true);
            Positive(q.MaxWait, at + ".maxWait", name, errors, allowZero: true);
            Positive(q.WrapUp, at + ".wrapUp", name, errors, allowZero: true);
            Positive(q.ShortAbandonThreshold, at + ".shortAbandonThreshold", name, errors, allowZero: true);
            Positive(q.InitialHandleTime, at + ".initialHandleTime", name, errors, allowZero: false);
            if (q.MaxLength < 0)
            {
                errors.Add(new(at + ".maxLength", name, "must not be negative"));
            }

            if (!(q.Weight > 0) || double.IsInfinity(q.Weight))
            {
                errors.Add(new(at + ".weight", name, "weight must be a positive number"));
            }

            var previous = TimeSpan.MinValue;
            for (var j = 0; j < (q.Escalation?.Count ?? 0); j++)
            {
                var step = q.Escalation![j];
                var sat = $"{at}.escalation[{j}]";
                if (step.After < TimeSpan.Zero)
                {
                    errors.Add(new(sat + ".after", name, "must not be negative"));
                }
                else if (step.After <= previous)
                {
                    errors.Add(new(sat + ".after", name, "steps must be in increasing order of time"));
                }

                previous = step.After;
                switch (step.Action)
                {
                    case EscalationAction.Relax when step.MinLevel is < MinLevel or > MaxLevel:
                        errors.Add(new(sat + ".minLevel", name, $"level {step.MinLevel} is outside {MinLevel}-{MaxLevel}"));
                        break;
                    case EscalationAction.Overflow when step.Target is null || !queueNames.Contains(step.Target):
                        errors.Add(new(sat + ".target", name, $"overflow target queue '{step.Target}' does not exist"));
                        break;
                    case EscalationAction.Overflow when step.Target == q.Name:
                        errors.Add(new(sat + ".target", name, "a queue cannot overflow to itself"));
                        break;
                    case EscalationAction.Overflow when step.After == TimeSpan.Zero:
                        errors.Add(new(sat + ".after", name, "overflow needs a wait greater than zero"));
                        break;
                    default:
                        if (!Enum.IsDefined(step.Action))
                        {
                            errors.Add(new(sat + ".action", name, $"unknown action {step.Action}"));
                        }

                        break;
                }
            }
        }

        var agentIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Agents.Count; i++)
        {
            var a = config.Agents[i];
            var at = $"agents[{i}]";
            var id = a.Id ?? "";
            if (!IsName(a.Id))
            {
                errors.Add(new(at + ".id", id, "agent id must be 1-64 characters without spaces, '|', ',', '=' or ':'"));
            }
            else if (!agentIds.Add(a.Id!))
            {
                errors.Add(new(at + ".id", id, $"duplicate agent id '{id}'"));
            }

            if (a.Skills is null || a.Skills.Count == 0)
            {
                errors.Add(new(at + ".skills", id, "an agent needs at least one skill"));
                continue;
            }

            foreach (var (skill, level) in a.Skills.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!skills.Contains(skill))
                {
                    errors.Add(new($"{at}.skills.{skill}", id, $"unknown skill '{skill}'"));
                }

                if (level is < MinLevel or > MaxLevel)
                {
                    errors.Add(new($"{at}.skills.{skill}", id, $"level {level.ToString(CultureInfo.InvariantCulture)} of skill '{skill}' is outside {MinLevel}-{MaxLevel}"));
                }
            }
        }

        return errors;
    }

    /// <summary>Checks a call request: id and node names, priority, extra skill levels, and (when <paramref name="skills"/> is given) that the skills exist. Null when fine.</summary>
    public static string? ValidateCall(CallRequest call, IReadOnlySet<string>? skills)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!IsName(call.CallId) || !IsName(call.Node))
        {
            return "call id and node must be 1-64 characters without spaces, '|', ',', '=' or ':'";
        }

        if (call.Priority is < 0 or > MaxPriority)
        {
            return $"priority {call.Priority} is outside 0-{MaxPriority}";
        }

        if (call.ExtraSkills is null || call.ExtraSkills.Count == 0)
        {
            return null;
        }

        var known = skills ?? new HashSet<string>(call.ExtraSkills.Where(r => IsName(r?.Skill)).Select(r => r.Skill), StringComparer.Ordinal);
        return ValidateRequirements(call.ExtraSkills, known);
    }

    /// <summary>Validates a call's extra skills against the declared skills (null when fine).</summary>
    public static string? ValidateRequirements(IEnumerable<SkillRequirement> requirements, IReadOnlySet<string> skills)
    {
        var errors = new List<ConfigError>();
        CheckRequirements(requirements.ToList(), "skills", "call", skills, errors);
        return errors.Count == 0 ? null : string.Join("; ", errors.Select(e => e.Message));
    }

    private static void CheckRequirements(IReadOnlyList<SkillRequirement> reqs, string at, string item, IReadOnlySet<string> skills, List<ConfigError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < reqs.Count; j++)
        {
            var r = reqs[j];
            if (r is null || !skills.Contains(r.Skill ?? ""))
            {
                errors.Add(new($"{at}[{j}]", item, $"unknown skill '{r?.Skill}'"));
                continue;
            }

            if (!seen.Add(r.Skill!))
            {
                errors.Add(new($"{at}[{j}]", item, $"skill '{r.Skill}' is required twice"));
            }

            if (r.MinLevel is < MinLevel or > MaxLevel)
            {
                errors.Add(new($"{at}[{j}]", item, $"level {r.MinLevel} of skill '{r.Skill}' is outside {MinLevel}-{MaxLevel}"));
            }
        }
    }

    private static void Positive(TimeSpan value, string at, string item, List<ConfigError> errors, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            errors.Add(new(at, item, allowZero ? "must not be negative" : "must be greater than zero"));
        }
    }

    internal static bool IsName(string? s) =>
        !string.IsNullOrEmpty(s) && s.Length <= 64 && s.AsSpan().IndexOfAny(" \t\r\n|,=:;") < 0;
}
