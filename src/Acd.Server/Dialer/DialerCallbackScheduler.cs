using Acd.Calls.Inbound;
using Acd.Dialer.Callbacks;
using Acd.Dialer.Compliance;

namespace Acd.Server.Dialer;

/// <summary>
/// The call flow's <see cref="ICallbackScheduler"/> on the node's dialer: a keep-my-place callback to a number typed in
/// the IVR is normalised to E.164 (libphonenumber, the region of the dialer's external policy, US by default) and
/// scheduled on the <see cref="CallbackDialer"/> as <see cref="CallbackKind.KeepMyPlace"/> with At = the caller's original
/// arrival; the screen pop names the inbound call and the caller. Every refusal comes back as a reason for the call record.
/// </summary>
internal sealed class DialerCallbackScheduler(DialerHost host) : ICallbackScheduler
{
    public string? Schedule(TypedCallback request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (host.Callbacks is not { } callbacks)
        {
            return "the dialer has not started";
        }

        var region = callbacks.Options.AllowedRegions.FirstOrDefault() ?? "US";
        if (!PhoneNumberNormaliser.TryNormalise(request.Number, region, out var number, out var error))
        {
            return $"'{request.Number}' is not a valid phone number: {error}";
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["callback"] = "keep-my-place", ["call"] = request.CallId };
        if (request.CallerId is { Length: > 0 } callerId)
        {
            fields["caller-id"] = callerId;
        }

        if (request.CallerName is { Length: > 0 } name)
        {
            fields["caller-name"] = name;
        }

        return callbacks.Schedule(new CallbackRequest
        {
            Id = "kmp-" + Guid.NewGuid().ToString("N")[..12],
            E164 = number!.E164,
            Queue = request.Queue,
            Kind = CallbackKind.KeepMyPlace,
            At = request.Arrived,
            Fields = fields,
        });
    }
}
