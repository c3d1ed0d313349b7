using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sluice.Admission.Auth;
using Sluice.Analysis.Alerts;
using Sluice.Analysis.Monitors;
using Sluice.Core.Errors;
using Sluice.Core.Time;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary><c>/api/v1/monitors</c>: define monitors, read their status, history and series with the baseline band; experiment health.</summary>
public static class MonitorEndpoints
{
    private const int MaxSeriesHours = 24 * 14;

    public static IEndpointRouteBuilder MapMonitors(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/monitors", (MonitorBook book, IClock clock, HttpContext context) =>
            AnalysisBody.WriteAsync(context, new { monitors = book.All().Select(m => View(m, clock.UnixMilliseconds, 0)) })).RequireScope(ApiScope.Read);
        app.MapGet("/api/v1/monitors/{id}", GetAsync).RequireScope(ApiScope.Read).AcceptsQuery("hours");
        app.MapPost("/api/v1/monitors", (HttpContext context, MonitorBook book, IClock clock) => PutAsync(context, book, clock, null)).RequireScope(ApiScope.Admin);
        app.MapPut("/api/v1/monitors/{id}", (HttpContext context, MonitorBook book, IClock clock, string id) => PutAsync(context, book, clock, id)).RequireScope(ApiScope.Admin);
        app.MapDelete("/api/v1/monitors/{id}", async (HttpContext context, MonitorBook book, string id) =>
        {
            if (!book.Delete(id))
            {
                await Problem.WriteAsync(context, 404, ErrorCodes.NotFound, $"no monitor '{id}'", "id");
                return;
            }

            context.Response.StatusCode = 204;
        }).RequireScope(ApiScope.Admin);
        app.MapPost("/api/v1/monitors/experiment", ExperimentAsync).RequireScope(ApiScope.Read);
        return app;
    }

    private static async Task GetAsync(HttpContext context, MonitorBook book, IClock clock, string id)
    {
        if (book.Find(id) is not { } monitor)
        {
            await Problem.WriteAsync(context, 404, ErrorCodes.NotFound, $"no monitor '{id}'", "id");
            return;
        }

        var hours = 24;
        if (context.Request.Query["hours"].ToString() is { Length: > 0 } text && (!int.TryParse(text, out hours) || hours is < 1 or > MaxSeriesHours))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'hours' must be 1..{MaxSeriesHours}", "hours");
            return;
        }

        await AnalysisBody.WriteAsync(context, View(monitor, clock.UnixMilliseconds, hours));
    }

    private static async Task PutAsync(HttpContext context, MonitorBook book, IClock clock, string? id)
    {
        if (await AnalysisBody.ReadAsync<MonitorSpec>(context) is not { } spec)
        {
            return;
        }

        // The backfill is a query: off the request thread's synchronous path.
        var (monitor, error) = await Task.Run(() => book.Put(id, spec, context.RequestAborted));
        if (error is { } e)
        {
            await AnalysisBody.WriteErrorAsync(context, e);
            return;
        }

        await AnalysisBody.WriteAsync(context, View(monitor!, clock.UnixMilliseconds, 0), id is null ? 201 : 200);
    }

    private static async Task ExperimentAsync(HttpContext context, IAlertQueries queries, IClock clock)
    {
        if (await AnalysisBody.ReadAsync<ExperimentSpec>(context) is not { } spec)
        {
            return;
        }

        if (ExperimentHealth.Check(spec, out var scope, out var numerator) is { } error)
        {
            await AnalysisBody.WriteErrorAsync(context, error);
            return;
        }

        var now = clock.UnixMilliseconds;
        var segments = await Task.Run(() => ExperimentHealth.Run(spec, scope!, numerator!, queries, now, context.RequestAborted));
        await AnalysisBody.WriteAsync(context, new
        {
            spec.Query,
            spec.Numerator,
            spec.SegmentBy,
            control = segments.FirstOrDefault()?.Value,
            spec.Alpha,
            start_ms = now - (spec.WindowMinutes * 60_000L),
            end_ms = now,
            significant = segments.Any(s => s.Significant),
            segments,
        });
    }

    private static object View(LiveMonitor m, long nowMs, int hours) => new
    {
        m.Id,
        m.Spec.Name,
        m.Spec.Query,
        m.Spec.WindowMinutes,
        m.Spec.Baseline,
        m.Spec.Threshold,
        m.Spec.ValuePerEvent,
        m.Spec.Unit,
        m.CreatedMs,
        m.Status,
        m.StatusSinceMs,
        reading = m.Last,
        history = hours > 0 ? m.HistoryNewestFirst() : null,
        series = hours > 0 ? MonitorSeries.Hourly(m, nowMs, hours) : null,
    };
}
