using PhoneNumbers;

namespace Acd.Dialer.Compliance;

/// <summary>A number normalised to E.164 with the tzdb zones it may be in.</summary>
public sealed record NormalisedNumber(string E164, string Region, IReadOnlyList<string> TimeZones);

/// <summary>E.164 normalisation and number time zones (libphonenumber-csharp). Thread-safe.</summary>
public static class PhoneNumberNormaliser
{
    /// <summary>Longest input accepted before parsing (libphonenumber's own limit is 250).</summary>
    public const int MaxInputLength = 64;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly PhoneNumberToTimeZonesMapper Zones = PhoneNumberToTimeZonesMapper.GetInstance();

    /// <summary>Parses <paramref name="input"/> (national numbers in <paramref name="defaultRegion"/>); false with a reason when it is not a valid number.</summary>
    public static bool TryNormalise(string? input, string defaultRegion, out NormalisedNumber? number, out string error)
    {
        number = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "empty number";
            return false;
        }

        if (input.Length > MaxInputLength)
        {
            error = $"number longer than {MaxInputLength} characters";
            return false;
        }

        PhoneNumber parsed;
        try
        {
            parsed = Util.Parse(input, defaultRegion);
        }
        catch (NumberParseException e)
        {
            error = $"not a phone number ({e.ErrorType})";
            return false;
        }

        if (!Util.IsValidNumber(parsed))
        {
            error = "not a valid number for its region";
            return false;
        }

        var zones = Zones.GetTimeZonesForNumber(parsed)
            .Where(z => z != Zones.GetUnknownTimeZone())
            .ToArray();
        number = new NormalisedNumber(Util.Format(parsed, PhoneNumberFormat.E164), Util.GetRegionCodeForNumber(parsed) ?? "ZZ", zones);
        error = "";
        return true;
    }
}

/// <summary>Checks a caller ID before a campaign or agent may present it.</summary>
public static class CallerIdValidator
{
    public static bool IsValid(string callerId, string defaultRegion, out string reason)
    {
        if (!PhoneNumberNormaliser.TryNormalise(callerId, defaultRegion, out var number, out var error))
        {
            reason = $"caller ID '{callerId}' is invalid: {error}";
            return false;
        }

        if (number!.E164 != callerId)
        {
            reason = $"caller ID must be E.164 ('{number.E164}')";
            return false;
        }

        reason = "";
        return true;
    }
}
