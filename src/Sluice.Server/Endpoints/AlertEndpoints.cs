using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sluice.Admission.Auth;
using Sluice.Analysis.Alerts;
using Sluice.Analysis.Monitors;
using Sluice.Core.Errors;
using Sluice.Core.Time;
using Sluice.Server.Analysis;
using Sluice.Server.Hosting;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary><c>/api/alerts</c>: rules, silences, the alerts firing now, the history, and the state of delivery.</summary>
public static class AlertEndpoints
{
    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerts", (AlertBook book, IClock clock, HttpContext context) => AnalysisBody.WriteAsync(context, new
        {
            alerts = book.Rules().SelectMany(r => book.Firing(r).Select(i => new
            {
                rule_id = r.Id,
                rule_name = r.Spec.Name,
                i.GroupKey,
                i.StartedMs,
                i.Value,
                i.Summary,
                i.Notified,
                muted = r.IsMuted(clock.UnixMilliseconds),
            })),
        })).RequireScope(ApiScope.Read);
        app.MapGet("/api/alerts/rules", (AlertBook book, HttpContext context) =>
            AnalysisBody.WriteAsync(context, new { rules = book.Rules().Select(r => View(book, r)) })).RequireScope(ApiScope.Read);
        app.MapGet("/api/alerts/rules/{id}", async (AlertBook book, HttpContext context, string id) =>
        {
            if (book.Find(id) is not { } rule)
            {
                await NotFound(context, id);
                return;
            }

            await AnalysisBody.WriteAsync(context, View(book, rule));
        }).RequireScope(ApiScope.Read);
        app.MapPost("/api/alerts/rules", (HttpContext context, AlertBook book) => PutAsync(context, book, null)).RequireScope(ApiScope.Admin);
        app.MapPut("/api/alerts/rules/{id}", (HttpContext context, AlertBook book, string id) => PutAsync(context, book, id)).RequireScope(ApiScope.Admin);
        app.MapDelete("/api/alerts/rules/{id}", async (HttpContext context, AlertBook book, string id) =>
        {
            if (!book.Delete(id))
            {
                await NotFound(context, id);
                return;
            }

            context.Response.StatusCode = 204;
        }).RequireScope(ApiScope.Admin);
        app.MapPost("/api/alerts/rules/{id}/silence", SilenceAsync).RequireScope(ApiScope.Admin);
        app.MapDelete("/api/alerts/rules/{id}/silence", async (HttpContext context, AlertBook book, string id) =>
        {
            if (!book.Silence(id, null))
            {
                await NotFound(context, id);
                return;
            }

            context.Response.StatusCode = 204;
        }).RequireScope(ApiScope.Admin);
        app.MapGet("/api/alerts/history", HistoryAsync).RequireScope(ApiScope.Read).AcceptsQuery("limit", "rule");
        app.MapGet("/api/alerts/delivery", (DeliverySender sender, Outbox outbox, HttpContext context) => AnalysisBody.WriteAsync(context, new
        {
            pending = outbox.Count,
            dropped = outbox.Dropped,
            sent = sender.Sent,
            failures = sender.Failures,
            refused = sender.Refused,
            channels = sender.Channels().Select(c => new { channel = c.Channel, breaker = c.Breaker, opened = c.Opened, pending = c.Pending }),
        })).RequireScope(ApiScope.Read);
        app.MapPost("/api/alerts/evaluate", async (HttpContext context, MonitorBook monitors, AlertBook alerts) =>
        {
            if (!await QueryEndpoints.EnsureReady(context))
            {
                return;
            }

            monitors.CatchUp(context.RequestAborted);
            var added = await AnalysisTicker.EvaluateAsync(monitors, alerts, context.RequestAborted);
            await AnalysisBody.WriteAsync(context, new { events = added });
        }).RequireScope(ApiScope.Admin);
        return app;
    }

    private static async Task PutAsync(HttpContext context, AlertBook book, string? id)
    {
        if (await AnalysisBody.ReadAsync<AlertRuleSpec>(context) is not { } spec)
        {
            return;
        }

        var (rule, error) = book.Put(id, spec);
        if (error is { } e)
        {
            await AnalysisBody.WriteErrorAsync(context, e);
            return;
        }

        await AnalysisBody.WriteAsync(context, View(book, rule!), id is null ? 201 : 200);
    }

    private static async Task SilenceAsync(HttpContext context, AlertBook book, IClock clock, string id)
    {
        if (await AnalysisBody.ReadAsync<SilenceRequest>(context) is not { } request)
        {
            return;
        }

        long until;
        if (request.Until is { } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidValue, "'until' must be an ISO 8601 time", "until");
                return;
            }

            until = at.ToUnixTimeMilliseconds();
        }
        else if (request.Minutes is { } minutes and >= 1 and <= 525_600)
        {
            until = clock.UnixMilliseconds + (minutes * 60_000L);
        }
        else
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidValue, "give 'until' (ISO 8601) or 'minutes' (1..525600)", request.Minutes is null ? "until" : "minutes");
            return;
        }

        if (!book.Silence(id, until))
        {
            await NotFound(context, id);
            return;
        }

        await AnalysisBody.WriteAsync(context, new { id, muted_until_ms = until });
    }

    private static async Task HistoryAsync(HttpContext context, AlertBook book)
    {
        var limit = 100;
        if (context.Request.Query["limit"].ToString() is { Length: > 0 } text && (!int.TryParse(text, out limit) || limit is < 1 or > AlertBook.HistoryLimit))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'limit' must be 1..{AlertBook.HistoryLimit}", "limit");
            return;
        }

        var rule = context.Request.Query["rule"].ToString() is { Length: > 0 } r ? r : null;
        await AnalysisBody.WriteAsync(context, new { history = book.History(rule, limit) });
    }

    private static Task NotFound(HttpContext context, string id) => Problem.WriteAsync(context, 404, ErrorCodes.NotFound, $"no alert rule '{id}'", "id");

    /// <summary>A rule as answers show it: channel URLs masked (they may hold tokens).</summary>
    private static object View(AlertBook book, AlertRule r) => new
    {
        r.Id,
        spec = r.Spec with { Channels = [.. r.Spec.Channels.Select(c => c with { Url = UrlMask.Mask(c.Url) })] },
        r.CreatedMs,
        r.LastEvaluatedMs,
        r.MutedUntilMs,
        r.LastError,
        alerts = book.Firing(r),
    };

    /// <summary>The body of a silence: until a time, or for some minutes.</summary>
    private sealed record SilenceRequest(string? Until, int? Minutes);
}
