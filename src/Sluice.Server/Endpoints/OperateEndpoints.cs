using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Metrics;
using Sluice.Query.Analytics;
using Sluice.Storage;

namespace Sluice.Server.Endpoints;

/// <summary>Health probes and metrics: no key needed, cheap to call.</summary>
public static class OperateEndpoints
{
    public static IEndpointRouteBuilder MapOperate(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/health/ready", (EventStore store) => store.IsReady
            ? Results.Json(new { status = "ready" })
            : Results.Json(new { status = store.IsRecovering ? "recovering" : "unavailable", reason = store.Wal.Fault }, statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/metrics", (ServerMetrics metrics, EventStore store, QueryCache cache) =>
            Results.Text(PrometheusExposition.Render(metrics, store, cache), PrometheusExposition.ContentType));
        return app;
    }
}
