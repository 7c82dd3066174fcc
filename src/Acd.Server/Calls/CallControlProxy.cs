using Acd.Calls.Inbound;
using Acd.Sip.Ua;

namespace Acd.Server.Calls;

/// <summary>
/// <see cref="ICallControl"/> and <see cref="IConnectedCalls"/> for the DI container: the node's
/// <see cref="InboundCallService"/> exists once the SIP service attached its user agent, so this forwards to it
/// (before that: no live calls, requests answered NotFound, connected calls refused).
/// </summary>
internal sealed class CallControlProxy(InboundCallHost host) : ICallControl, IConnectedCalls
{
    public bool Draining => host.Calls?.Draining ?? false;

    public IReadOnlyList<ActiveCallInfo> ActiveCalls() => host.Calls?.ActiveCalls() ?? [];

    public ActiveCallInfo? Find(string callId) => host.Calls?.Find(callId);

    public ActiveCallInfo? FindByAgent(string agentId) => host.Calls?.FindByAgent(agentId);

    public Task<CallControlResult> HangupAsync(string callId, CancellationToken cancellationToken) =>
        host.Calls?.HangupAsync(callId, cancellationToken) ?? NotReady();

    public Task<CallControlResult> TransferAsync(string callId, TransferTarget target, CancellationToken cancellationToken) =>
        host.Calls?.TransferAsync(callId, target, cancellationToken) ?? NotReady();

    public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SupervisionMode mode, CancellationToken cancellationToken) =>
        host.Calls?.SuperviseAsync(callId, supervisorId, mode, cancellationToken) ?? NotReady();

    public Task<CallControlResult> SuperviseAsync(string callId, string supervisorId, SipCall supervisorCall, SupervisionMode mode, CancellationToken cancellationToken) =>
        host.Calls?.SuperviseAsync(callId, supervisorId, supervisorCall, mode, cancellationToken) ?? NotReady();

    public Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        host.Calls?.DrainAsync(timeout, cancellationToken) ?? Task.CompletedTask;

    public Task<ConnectedCallOutcome> ConnectAsync(SipCall call, IMediaSession media, ConnectedCallRequest request, CancellationToken cancellationToken)
    {
        if (host.Calls is { } calls)
        {
            return calls.ConnectAsync(call, media, request, cancellationToken);
        }

        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(media);
        call.Hangup();
        _ = media.DisposeAsync().AsTask();
        return Task.FromResult(ConnectedCallOutcome.Refused);
    }

    private static Task<CallControlResult> NotReady() =>
        Task.FromResult(CallControlResult.Fail(CallControlError.NotFound, "the SIP service has not started"));
}

/// <summary>Registers the call-control ports of the node.</summary>
internal static class CallControlServiceCollectionExtensions
{
    /// <summary>ICallControl and IConnectedCalls over the node's inbound call service (needs <see cref="InboundCallHost"/> registered).</summary>
    public static IServiceCollection AddCallControl(this IServiceCollection services)
    {
        services.AddSingleton<CallControlProxy>();
        services.AddSingleton<ICallControl>(sp => sp.GetRequiredService<CallControlProxy>());
        services.AddSingleton<IConnectedCalls>(sp => sp.GetRequiredService<CallControlProxy>());
        return services;
    }
}
