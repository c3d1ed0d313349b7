using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Server.Endpoints;
using Sluice.Server.Http;

namespace Sluice.Server.Dashboard;

/// <summary>
/// The dashboard: its page for every route of the app, its files, and the three endpoints of seed 003 it reads
/// (<c>stats</c>, <c>query</c>, <c>config</c>). A browser asking for HTML at <c>/</c> gets the page; other clients
/// keep the Elasticsearch handshake there.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Routes of the app that load the page (it reads the rest of the URL itself).</summary>
    private static readonly string[] PageRoutes = ["/explore", "/live", "/traffic", "/formulas", "/patterns", "/alerts", "/trace/{**id}"];

    /// <summary>Sends a browser that asks for HTML at <c>/</c> to the page; runs before routing.</summary>
    public static IApplicationBuilder UseDashboardAtRoot(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (request.Path == "/" && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        {
            context.Response.Headers.Vary = "Accept"; // one URL, two answers: caches must keep them apart
            if (request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
                && context.RequestServices.GetRequiredService<DashboardAssets>().HasPage)
            {
                request.Path = "/index.html";
            }
        }

        return next(context);
    });

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        foreach (var file in new[] { "/index.html", "/app.js", "/app.css", "/favicon.svg" })
        {
            app.MapMethods(file, ["GET", "HEAD"], context => Assets(context).WriteAsync(context, file)).RequireScope(ApiScope.None).AcceptsAnyQuery();
        }

        foreach (var route in PageRoutes)
        {
            app.MapMethods(route, ["GET", "HEAD"], context => Assets(context).WriteAsync(context, "/index.html")).RequireScope(ApiScope.None).AcceptsAnyQuery();
        }

        app.MapGet("/api/v1/dashboard/config", ReadConfigAsync).RequireScope(ApiScope.Read);
        app.MapPost("/api/v1/dashboard/config", ReplaceConfigAsync).RequireScope(ApiScope.Admin);
        app.MapGet("/api/v1/dashboard/stats", DashboardStats.WriteAsync).RequireScope(ApiScope.Read).RunsQuery().AcceptsQuery(SearchParameters.RangeNames);
        app.MapPost("/api/v1/dashboard/query", QueryAsync).RequireScope(ApiScope.Read).RunsQuery();
    }

    private static DashboardAssets Assets(HttpContext context) => context.RequestServices.GetRequiredService<DashboardAssets>();

    private static async Task ReadConfigAsync(HttpContext context)
    {
        var body = await context.RequestServices.GetRequiredService<DashboardConfig>().ReadAsync();
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body);
    }

    private static async Task ReplaceConfigAsync(HttpContext context)
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var (error, stored) = await context.RequestServices.GetRequiredService<DashboardConfig>().ReplaceAsync(body);
        if (error is not null)
        {
            await Problem.WriteAsync(context, 400, error.Value);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(stored);
    }

    /// <summary>
    /// <c>POST /api/v1/dashboard/query</c>: how many events match a filter over a range, and how they fall over time
    /// (the explorer's histogram), in buckets chosen for the range.
    /// </summary>
    private static async Task QueryAsync(HttpContext context)
    {
        var analytics = context.RequestServices.GetRequiredService<IQueryEngine>();
        if (!await QueryEndpoints.EnsureReady(context) || await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (!JsonBody.TryString(body, "query", out var text, out var error))
        {
            await Problem.WriteAsync(context, 400, error);
            return;
        }

        var startError = AnalyticsEndpoints.BodyTime(body, "start_time", out var start);
        var endError = AnalyticsEndpoints.BodyTime(body, "end_time", out var end);
        if ((startError ?? endError) is { } timeError)
        {
            await Problem.WriteAsync(context, 400, timeError);
            return;
        }

        var last = end ?? analytics.NowMs + 1;
        var first = start ?? last - AnalyticsEndpoints.DefaultRangeMs;
        if (last <= first)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'end_time' must be after 'start_time'", "end_time");
            return;
        }

        if (!SearchParameters.TryFilterText(text ?? "", out var filter, out var filterError))
        {
            await Problem.WriteAsync(context, 400, filterError);
            return;
        }

        var bucket = DashboardBuckets.For(last - first);
        var stats = new ParsedQuery(filter, [new StatsPipe([new Aggregate(AggregateFunction.Count, null, null, "count")], [new GroupKey(null, bucket)])]);
        var cacheKey = filter is not null && QueryBounds.DependsOnClock(filter) ? null : $"dashboard\n{QueryPrinter.Print(stats)}\n{first}\n{last}";
        await AnalyticsEndpoints.AnswerAsync(context, "query", ErrorCodes.InvalidQuery, last, cacheKey, cancel =>
        {
            using var answer = analytics.Run(stats, new QueryBounds(first, last, null), includeArchive: false, cancel);
            var counts = new Dictionary<long, long>();
            foreach (var row in TimeBuckets.FillEmpty(answer.Rows, 0, first, last, bucket))
            {
                counts[Convert.ToInt64(row[0], System.Globalization.CultureInfo.InvariantCulture)] = Convert.ToInt64(row[1], System.Globalization.CultureInfo.InvariantCulture);
            }

            return AnalyticsEndpoints.Serialize(json =>
            {
                json.WriteStartObject();
                json.WriteNumber("start_time", first);
                json.WriteNumber("end_time", last);
                json.WriteNumber("bucket_ms", bucket);
                json.WriteNumber("total", counts.Values.Sum());
                json.WriteStartArray("series");
                foreach (var (time, count) in counts.OrderBy(c => c.Key))
                {
                    json.WriteStartObject();
                    json.WriteNumber("time", time);
                    json.WriteNumber("count", count);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
        });
    }
}
