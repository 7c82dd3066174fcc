using System.Diagnostics.Metrics;

namespace Acd.Transport.Sip;

/// <summary>Instruments of the SIP transport on the "Acd.Transport" meter.</summary>
internal sealed class SipTransportMetrics : IDisposable
{
    private readonly Meter _meter;

    public SipTransportMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create("Acd.Transport") ?? new Meter("Acd.Transport");
        Received = _meter.CreateCounter<long>("acd_sip_transport_received_total", description: "SIP messages received, by transport.");
        Sent = _meter.CreateCounter<long>("acd_sip_transport_sent_total", description: "SIP messages sent, by transport.");
        Dropped = _meter.CreateCounter<long>("acd_sip_transport_dropped_total", description: "SIP messages dropped or refused, by reason.");
        ConnectionsClosed = _meter.CreateCounter<long>("acd_sip_transport_connections_closed_total", description: "TCP connections closed, by reason.");
        OpenConnections = _meter.CreateUpDownCounter<long>("acd_sip_transport_connections", description: "Open SIP TCP connections.");
    }

    public Counter<long> Received { get; }

    public Counter<long> Sent { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> ConnectionsClosed { get; }

    public UpDownCounter<long> OpenConnections { get; }

    public void Drop(string reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Closed(string reason) => ConnectionsClosed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}
