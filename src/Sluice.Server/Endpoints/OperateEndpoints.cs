using Microsoft.AspNetCore.Builder;
using Sluice.Admission.Auth;
using Sluice.Core.Options;
using Sluice.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
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
            : Results.Json(new { status = store.IsRecovering ? "recovering" : "unavailable", reason = store.Wal.Fault }, statusCode: StatusCodes.Status503ServiceUnavailable))
            .RequireScope(ApiScope.None);
        app.MapGet("/metrics", (ServerMetrics metrics, EventStore store, QueryCache cache, Ingest.IngestMemory unflushed, Sluice.Admission.BatchAdmission admission,
                Sluice.Admission.Alerts.AlertPublisher alerts, Http.QueryGate gate, Ingest.Syslog.SyslogListener syslog, Tail.TailHub tail) =>
            Results.Text(PrometheusExposition.Render(metrics, store, cache, unflushed, admission, alerts, gate, syslog, tail), PrometheusExposition.ContentType)).RequireScope(metricsScope);
        return app;
    }
}
