using System.Text;
using Sluice.Core.Resilience;
using Sluice.Server.Metrics;

namespace Sluice.Server.Health;

/// <summary>
/// Every dependency's breaker in health and <c>/metrics</c>: an open breaker is a degraded component, and so is one
/// with a fault injected (<c>POST /api/admin/chaos</c>), which is named beside it.
/// </summary>
internal sealed class BreakerHealth(Dependencies dependencies) : IHealthSource, IMetricsSource
{
    public IEnumerable<ComponentHealth> Check() => dependencies.All.Select(b => (Breaker: b, Fault: b.InjectedFault)).Select(x => new ComponentHealth(
        x.Breaker.Name,
        x.Breaker.State == BreakerState.Closed && x.Fault is null ? HealthStatus.Ok : HealthStatus.Degraded,
        Details(x.Breaker, x.Fault)));

    private static Dictionary<string, object?> Details(DependencyBreaker b, InjectedFault? fault) => new()
    {
        ["breaker"] = Name(b.State),
        ["state_seconds"] = b.StateAgeMs / 1000,
        ["calls"] = b.Calls,
        ["failures"] = b.Failures,
        ["rejected"] = b.Rejected,
        ["times_opened"] = b.TimesOpened,
        ["last_error"] = b.LastError,
        ["injected"] = fault is null ? null : new Dictionary<string, object?>
        {
            ["mode"] = InjectedFault.ModeName(fault.Mode),
            ["delay_ms"] = fault.Mode == FaultMode.Slow ? fault.DelayMs : null,
            ["remaining_seconds"] = Math.Ceiling(fault.RemainingMs / 1000.0),
        },
    };

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

        var injected = new MetricFamily(text, "sluice_chaos_injected", "gauge", "1 while a fault is injected on a dependency (POST /api/admin/chaos), by mode.");
        foreach (var b in breakers)
        {
            var fault = b.InjectedFault;
            foreach (var mode in new[] { FaultMode.Fail, FaultMode.Slow })
            {
                injected.Add(fault?.Mode == mode ? 1 : 0, ("dependency", b.Name), ("mode", InjectedFault.ModeName(mode)));
            }
        }
    }

    internal static string Name(BreakerState state) => state switch
    {
        BreakerState.Closed => "closed",
        BreakerState.Open => "open",
        _ => "half_open",
    };
}
