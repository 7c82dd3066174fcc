using Acd.Dialer.Campaigns;
using Acd.Dialer.Compliance;
using PhoneNumbers;

namespace Acd.Dialer.Calls;

/// <summary>Who asked for a call.</summary>
public enum DialPrincipal
{
    Campaign,
    Agent,
}

/// <summary>
/// Proof that a dial was authorised: only <see cref="DialAuthorizer"/> can make one, and
/// <see cref="OriginateRequest"/> requires one, so no code path dials without the check (no toll fraud).
/// </summary>
public sealed class DialAuthorization
{
    internal DialAuthorization(DialPrincipal principal, string id, string destination, DateTimeOffset at)
    {
        Principal = principal;
        Id = id;
        Destination = destination;
        At = at;
    }

    public DialPrincipal Principal { get; }

    public string Id { get; }

    public string Destination { get; }

    public DateTimeOffset At { get; }
}

/// <summary>The result of an authorisation check.</summary>
public readonly record struct AuthorizationResult(DialAuthorization? Authorization, string? Refusal)
{
    public bool Allowed => Authorization is not null;
}

/// <summary>An agent as the authoriser sees them: authenticated by the registrar, and allowed to dial or not.</summary>
public sealed record AgentDialRights(string AgentId, bool Authenticated, bool MayDialOut, IReadOnlyList<string> AllowedRegions);

/// <summary>
/// Decides whether a campaign or an agent may dial a destination: running campaign with a valid caller ID, or an
/// authenticated agent with dial-out rights; destination a valid number, not premium-rate or shared-cost, and in
/// an allowed region. Refusals are values, never exceptions.
/// </summary>
public sealed class DialAuthorizer(TimeProvider time)
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public AuthorizationResult AuthorizeCampaign(Campaign campaign, string destinationE164)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        if (campaign.State != CampaignState.Running)
        {
            return Refuse($"campaign {campaign.Id} is {campaign.State}, not running");
        }

        if (campaign.Config.CallerId is not { } callerId || !CallerIdValidator.IsValid(callerId, campaign.Config.DefaultRegion, out _))
        {
            return Refuse($"campaign {campaign.Id} has no valid caller ID");
        }

        return Destination(destinationE164, campaign.Config.AllowedRegions) is { } refusal
            ? Refuse(refusal)
            : new(new DialAuthorization(DialPrincipal.Campaign, campaign.Id, destinationE164, time.GetUtcNow()), null);
    }

    public AuthorizationResult AuthorizeAgent(AgentDialRights agent, string destinationE164)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (!agent.Authenticated)
        {
            return Refuse($"agent {agent.AgentId} is not authenticated");
        }

        if (!agent.MayDialOut)
        {
            return Refuse($"agent {agent.AgentId} may not dial out");
        }

        return Destination(destinationE164, agent.AllowedRegions) is { } refusal
            ? Refuse(refusal)
            : new(new DialAuthorization(DialPrincipal.Agent, agent.AgentId, destinationE164, time.GetUtcNow()), null);
    }

    private static string? Destination(string e164, IReadOnlyList<string> allowedRegions)
    {
        if (!PhoneNumberNormaliser.TryNormalise(e164, "ZZ", out var number, out var error) || number!.E164 != e164)
        {
            return $"destination '{e164}' is not an E.164 number{(error.Length > 0 ? ": " + error : "")}";
        }

        var type = Util.GetNumberType(Util.Parse(e164, "ZZ"));
        if (type is PhoneNumberType.PREMIUM_RATE or PhoneNumberType.SHARED_COST)
        {
            return $"destination {e164} is a {type} number";
        }

        if (allowedRegions.Count > 0 && !allowedRegions.Contains(number.Region, StringComparer.OrdinalIgnoreCase))
        {
            return $"destination region {number.Region} is not allowed";
        }

        return null;
    }

    private static AuthorizationResult Refuse(string reason) => new(null, reason);
}
