using System.Text;
using Sluice.Core.Resilience;
using Sluice.Server.Metrics;

namespace Sluice.Server.Health;

/// <summary>Every dependency's breaker in health and <c>/metrics</c>: an open breaker is a degraded component.</summary>
internal sealed class BreakerHealth(Dependencies dependencies) : IHealthSource, IMetricsSource
{
    public IEnumerable<ComponentHealth> Check() => dependencies.All.Select(b => new ComponentHealth(
        b.Name,
        b.State == BreakerState.Closed ? HealthStatus.Ok : HealthStatus.Degraded,
        new Dictionary<string, object?>
        {
            ["breaker"] = Name(b.State),
            ["state_seconds"] = b.StateAgeMs / 1000,
            ["calls"] = b.Calls,
            ["failures"] = b.Failures,
            ["rejected"] = b.Rejected,
            ["times_opened"] = b.TimesOpened,
            ["last_error"] = b.LastError,
        }));

    public void Render(StringBuilder text)
    {
        var breakers = dependencies.All;
        var state = new MetricFamily(text, "sluice_dependency_breaker_state", "gauge", "A dependency's circuit breaker: 0 closed, 1 half-open (probing), 2 open.");
        foreach (var b in breakers)
        {
            state.Add((int)b.State switch { 0 => 0, 1 => 2, _ => 1 }, ("dependency", b.Name));
        }

        var calls = new MetricFamily(text, "sluice_dependency_calls_total", "counter", "Calls to a dependency through its breaker, by outcome (failed after retries, or rejected by the open breaker).");
        foreach (var b in breakers)
        {
            calls.Add(b.Calls, ("dependency", b.Name), ("outcome", "all"))
                .Add(b.Failures, ("dependency", b.Name), ("outcome", "failed"))
                .Add(b.Rejected, ("dependency", b.Name), ("outcome", "rejected"));
        }

        var opened = new MetricFamily(text, "sluice_dependency_breaker_opened_total", "counter", "Times a dependency's breaker opened.");
        foreach (var b in breakers)
        {
            opened.Add(b.TimesOpened, ("dependency", b.Name));
        }
    }

    internal static string Name(BreakerState state) => state switch
    {
        BreakerState.Closed => "closed",
        BreakerState.Open => "open",
        _ => "half_open",
    };
}
