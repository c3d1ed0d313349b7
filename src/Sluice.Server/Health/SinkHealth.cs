using System.Text;
using Sluice.Server.Metrics;
using Sluice.Storage;
using Sluice.Storage.Sinks;

namespace Sluice.Server.Health;

/// <summary>
/// Every sink's cursor in health and <c>/metrics</c>. A sink is degraded while it is behind and failing, once it has
/// let go of the WAL (further behind than <c>Sinks:MaxLagMb</c>), or after it lost events to a trimmed WAL.
/// </summary>
internal sealed class SinkHealth(EventStore store) : IHealthSource, IMetricsSource
{
    /// <summary>A sink whose last delivery is older than this while events wait counts as stuck.</summary>
    private const long StuckAfterMs = 5_000;

    public IEnumerable<ComponentHealth> Check() => store.Sinks.Status().Select(s =>
    {
        var stuck = s.LagEvents > 0 && (s.LastDeliveryAgeMs ?? long.MaxValue) > StuckAfterMs && s.FailedAttempts > 0;
        var status = stuck || !s.HoldsWal || s.LostEvents > 0 ? HealthStatus.Degraded : HealthStatus.Ok;
        return new ComponentHealth("sink:" + s.Name, status, new Dictionary<string, object?>
        {
            ["delivered_through_seq"] = s.DeliveredThroughSeq,
            ["lag_events"] = s.LagEvents,
            ["lag_bytes"] = s.LagBytes,
            ["oldest_pending_seconds"] = s.OldestPendingAgeMs / 1000,
            ["delivered"] = s.Delivered,
            ["holds_wal"] = s.HoldsWal,
            ["held_wal_bytes"] = s.HeldWalBytes,
            ["lost_events"] = s.LostEvents,
            ["failed_attempts"] = s.FailedAttempts,
            ["last_error"] = s.LastError,
            ["last_delivery_seconds_ago"] = s.LastDeliveryAgeMs / 1000,
        });
    });

    public void Render(StringBuilder text)
    {
        var sinks = store.Sinks.Status();
        if (sinks.Count == 0)
        {
            return;
        }

        Family(text, sinks, "sluice_sink_lag_events", "gauge", "Acknowledged events a sink has not taken yet.", s => s.LagEvents);
        Family(text, sinks, "sluice_sink_lag_bytes", "gauge", "WAL bytes of acknowledged events a sink has not taken yet.", s => s.LagBytes);
        Family(text, sinks, "sluice_sink_oldest_pending_seconds", "gauge", "How long the oldest event a sink has not taken yet has waited (0: none waits).", s => (s.OldestPendingAgeMs ?? 0) / 1000);
        Family(text, sinks, "sluice_sink_delivered_events_total", "counter", "Events a sink has taken since start.", s => s.Delivered);
        Family(text, sinks, "sluice_sink_failed_attempts_total", "counter", "Batches a sink failed to take (each is retried).", s => s.FailedAttempts);
        Family(text, sinks, "sluice_sink_lost_events_total", "counter", "Events a sink never got because the WAL was trimmed past it (it was more than Sinks:MaxLagMb behind).", s => s.LostEvents);
        Family(text, sinks, "sluice_sink_held_wal_bytes", "gauge", "WAL kept on disk only because a sink has not taken it yet.", s => s.HeldWalBytes);
    }

    private static void Family(StringBuilder text, IReadOnlyList<SinkStatus> sinks, string name, string type, string help, Func<SinkStatus, long> value)
    {
        var family = new MetricFamily(text, name, type, help);
        foreach (var sink in sinks)
        {
            family.Add(value(sink), ("sink", sink.Name));
        }
    }
}
