using System.Text;
using Sluice.Redis;
using Sluice.Redis.Dedup;
using Sluice.Redis.Quotas;
using Sluice.Server.Metrics;

namespace Sluice.Server.Health;

/// <summary>
/// The state admission shares through Redis, in health and <c>/metrics</c>: the <c>quotas</c> component (shared, or
/// this node's share of each limit since Redis went away) and the <c>dedup</c> component (the shared duplicate
/// window, or only this node's own). Either on its fallback is a degraded component.
/// </summary>
internal sealed class SharedStateHealth(SharedQuotaCounters quotas, SharedDuplicates? duplicates) : IHealthSource, IMetricsSource
{
    public IEnumerable<ComponentHealth> Check()
    {
        var q = Describe(quotas.Mode);
        q["node_count"] = quotas.NodeCount;
        q["shared_events"] = quotas.SharedEvents;
        q["local_events"] = quotas.LocalEvents;
        q["reconciles"] = quotas.Reconciles;
        q["reconciled_events"] = quotas.ReconciledEvents;
        yield return new ComponentHealth("quotas", Status(quotas.Mode), q);
        if (duplicates is not null)
        {
            var d = Describe(duplicates.Mode);
            d["shared_claims"] = duplicates.SharedClaims;
            d["local_claims"] = duplicates.LocalClaims;
            d["stored_elsewhere"] = duplicates.StoredElsewhere;
            d["settle_failures"] = duplicates.SettleFailures;
            yield return new ComponentHealth("dedup", Status(duplicates.Mode), d);
        }
    }

    public void Render(StringBuilder text)
    {
        new MetricFamily(text, "sluice_quota_shared", "gauge", "1 while quotas are counted on Redis, shared by the nodes; 0 while this node counts its share on its own.")
            .Add(quotas.Mode.IsShared ? 1 : 0);
        new MetricFamily(text, "sluice_quota_decisions_total", "counter", "Events counted against the quota rules, by where they were counted (shared on Redis, or local on this node's fallback).")
            .Add(quotas.SharedEvents, ("mode", "shared"))
            .Add(quotas.LocalEvents, ("mode", "local"));
        new MetricFamily(text, "sluice_quota_reconciles_total", "counter", "Times this node switched to the shared quota counters after counting on its own (the first contact included).")
            .Add(quotas.Reconciles);
        new MetricFamily(text, "sluice_quota_reconciled_events_total", "counter", "Events counted on this node's fallback and added to the shared counters on reconcile.")
            .Add(quotas.ReconciledEvents);
        if (duplicates is null)
        {
            return;
        }

        new MetricFamily(text, "sluice_dedup_shared", "gauge", "1 while the duplicate window is shared on Redis; 0 while this node keeps only its own.")
            .Add(duplicates.Mode.IsShared ? 1 : 0);
        new MetricFamily(text, "sluice_dedup_claims_total", "counter", "Requests whose duplicate keys were checked in the shared window, or only in this node's own (Redis away).")
            .Add(duplicates.SharedClaims, ("mode", "shared"))
            .Add(duplicates.LocalClaims, ("mode", "local"));
        new MetricFamily(text, "sluice_dedup_stored_elsewhere_total", "counter", "Events found in the shared window, stored already by another node (or by this one, past its own window).")
            .Add(duplicates.StoredElsewhere);
        new MetricFamily(text, "sluice_dedup_settle_failures_total", "counter", "Shared claims whose settlement did not reach Redis; they expire on their own.")
            .Add(duplicates.SettleFailures);
    }

    private static HealthStatus Status(SharedMode mode) => mode.IsShared ? HealthStatus.Ok : HealthStatus.Degraded;

    private static Dictionary<string, object?> Describe(SharedMode mode)
    {
        var since = mode.LocalSinceMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) : null;
        return new Dictionary<string, object?>
        {
            ["mode"] = mode.IsShared ? "shared" : "local",
            ["state"] = since is null ? "shared" : $"local (redis unavailable since {since})",
            ["local_since"] = since,
            ["reason"] = mode.Reason,
            ["fallbacks"] = mode.Fallbacks,
        };
    }
}
