using Microsoft.AspNetCore.Builder;
using Sluice.Admission.Auth;
using Sluice.Core.Options;
using Sluice.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Health;
using Sluice.Server.Metrics;
using Sluice.Query.Analytics;
using Sluice.Storage;

namespace Sluice.Server.Endpoints;

/// <summary>Health probes (no key ever) and metrics (read scope, or open with <c>Auth:OpenMetrics</c>): cheap to call.</summary>
public static class OperateEndpoints
{
    public static IEndpointRouteBuilder MapOperate(this IEndpointRouteBuilder app)
    {
        var metricsScope = app.ServiceProvider.GetRequiredService<SluiceOptions>().Auth.OpenMetrics ? ApiScope.None : ApiScope.Read;
        app.MapGet("/health/live", () => Results.Json(new { status = "live" })).RequireScope(ApiScope.None);
        app.MapGet("/health/ready", (EventStore store) => store.IsReady
            ? Results.Json(new { status = "ready" })
            : Results.Json(new { status = store.IsRecovering ? "recovering" : "unavailable", reason = store.Fault }, statusCode: StatusCodes.Status503ServiceUnavailable))
            .RequireScope(ApiScope.None);
        app.MapGet("/metrics", (ServerMetrics metrics, EventStore store, QueryCache cache, Ingest.IngestMemory unflushed, Sluice.Admission.BatchAdmission admission,
                Sluice.Admission.Alerts.AlertPublisher alerts, Http.QueryGate gate, Ingest.Syslog.SyslogListener syslog, Tail.TailHub tail) =>
            Results.Text(PrometheusExposition.Render(metrics, store, cache, unflushed, admission, alerts, gate, syslog, tail) + RenderSources(app.ServiceProvider), PrometheusExposition.ContentType)).RequireScope(metricsScope);
        app.MapGet("/api/traffic-logs/v2/health", (EventStore store, IServiceProvider services) => Health(store, services)).RequireScope(ApiScope.Read);
        return app;
    }

    /// <summary>
    /// Every component's state: storage (the WAL takes writes), then each registered source — dependencies' breakers,
    /// sinks, shared state. 200 while storage takes writes (degraded parts run on their fallbacks), 503 otherwise.
    /// </summary>
    private static IResult Health(EventStore store, IServiceProvider services)
    {
        long hotRows;
        using (var snapshot = store.OpenSnapshot())
        {
            hotRows = snapshot.MemoryRows;
        }

        var storage = new ComponentHealth("storage", store.IsReady ? HealthStatus.Ok : HealthStatus.Down, new Dictionary<string, object?>
        {
            ["state"] = store.IsReady ? "ready" : store.IsRecovering ? "recovering" : "unavailable",
            ["reason"] = store.Fault,
            ["wal_disk_bytes"] = store.WalDiskBytes(),
            ["hot_rows"] = hotRows,
        });
        var components = new List<ComponentHealth> { storage };
        foreach (var source in services.GetServices<IHealthSource>())
        {
            components.AddRange(source.Check());
        }

        var worst = components.Max(c => c.Status);
        return Results.Json(new
        {
            status = Name(worst),
            components = components.Select(c => new { name = c.Name, status = Name(c.Status), details = c.Details }),
        }, statusCode: storage.Status == HealthStatus.Down ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Ok => "ok",
        HealthStatus.Degraded => "degraded",
        _ => "down",
    };

    private static string RenderSources(IServiceProvider services)
    {
        var text = new System.Text.StringBuilder();
        foreach (var source in services.GetServices<IMetricsSource>())
        {
            source.Render(text);
        }

        return text.ToString();
    }
}
