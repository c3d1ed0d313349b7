using System.Globalization;
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
using Sluice.Server.Http;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.Server.Endpoints;

/// <summary>The traffic summary of an hour or a day, and the summary of any range (logs, or traffic with kind=traffic).</summary>
public static class SummaryEndpoints
{
    private const int TopLimit = 10;

    public static IEndpointRouteBuilder MapSummaries(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/traffic-logs/v2/summary", TrafficSummaryAsync).RequireScope(ApiScope.Read).RunsQuery()
            .AcceptsQuery("granularity", "date", "hour", "include_archive", "query");
        app.MapGet("/api/logs/analytics/summary", LogSummaryAsync).RequireScope(ApiScope.Read).RunsQuery()
            .AcceptsQuery("start_time", "end_time", "include_archive", "query", "kind");
        return app;
    }

    private static async Task TrafficSummaryAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        var query = context.Request.Query;
        var granularity = query["granularity"].ToString() is { Length: > 0 } g ? g : "hour";
        if (granularity is not ("hour" or "day"))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'granularity' must be hour or day", "granularity");
            return;
        }

        var now = context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds;
        var dateText = query["date"].ToString();
        DateTime date;
        if (dateText.Length == 0)
        {
            date = DateTimeOffset.FromUnixTimeMilliseconds(now).UtcDateTime.Date;
        }
        else if (!DateTime.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out date)
            || date.Year is < 1970 or > 9998)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'date' must be YYYY-MM-DD, from 1970 to 9998", "date");
            return;
        }

        var start = new DateTimeOffset(date, TimeSpan.Zero).ToUnixTimeMilliseconds();
        long end;
        int? hour = null;
        if (granularity == "hour")
        {
            var hourText = query["hour"].ToString();
            if (hourText.Length == 0)
            {
                hour = dateText.Length == 0 ? DateTimeOffset.FromUnixTimeMilliseconds(now).UtcDateTime.Hour : 0;
            }
            else if (int.TryParse(hourText, NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h is >= 0 and < 24)
            {
                hour = h;
            }
            else
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'hour' must be 0..23", "hour");
                return;
            }

            start += hour.Value * PartInfo.HourMs;
            end = start + PartInfo.HourMs;
        }
        else
        {
            end = start + (24 * PartInfo.HourMs);
        }

        if (!SearchParameters.TryFlag(query, "include_archive", out var includeArchive, out var error)
            || !SearchParameters.TryFilter(query, out var filter, out error))
        {
            await Problem.WriteAsync(context, 400, error);
            return;
        }

        var summary = context.RequestServices.GetRequiredService<IQueryEngine>().Summarize(EventKind.Traffic, start, end, includeArchive, filter, now);
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("granularity", granularity);
            json.WriteString("date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            if (hour is { } h)
            {
                json.WriteNumber("hour", h);
            }

            json.WriteString("start_time", DateTimeOffset.FromUnixTimeMilliseconds(start).UtcDateTime);
            json.WriteString("end_time", DateTimeOffset.FromUnixTimeMilliseconds(end).UtcDateTime);
            json.WriteNumber("total_requests", summary.Total);
            WriteMap(json, "decisions", summary, "decision");
            WriteTop(json, "top_countries", "country", summary, "country");
            WriteTop(json, "top_reasons", "reason", summary, "reason");
            json.WriteNumber("unique_ips", summary.Ips.Estimate());
            WriteTop(json, "domains", "domain", summary, "domain", int.MaxValue);
            json.WriteEndObject();
        });
    }

    private static async Task LogSummaryAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        if (!SearchParameters.TryRange(context.Request.Query, out var start, out var end, out var error)
            || !SearchParameters.TryFlag(context.Request.Query, "include_archive", out var includeArchive, out error)
            || !SearchParameters.TryFilter(context.Request.Query, out var filter, out error))
        {
            await Problem.WriteAsync(context, 400, error);
            return;
        }

        // kind=traffic: the same range summary of traffic events (for compare, which needs any range, not an hour or a day).
        var kindText = context.Request.Query["kind"].ToString();
        if (kindText is not ("" or "log" or "traffic"))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'kind' must be log or traffic", "kind");
            return;
        }

        var kind = kindText == "traffic" ? EventKind.Traffic : EventKind.Log;
        var now = context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds;
        var to = end ?? now + 1;
        var from = start ?? to - (24 * PartInfo.HourMs);
        var summary = context.RequestServices.GetRequiredService<IQueryEngine>().Summarize(kind, from, to, includeArchive, filter, now);
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("start_time", DateTimeOffset.FromUnixTimeMilliseconds(from).UtcDateTime);
            json.WriteString("end_time", DateTimeOffset.FromUnixTimeMilliseconds(to).UtcDateTime);
            json.WriteNumber("total", summary.Total);
            foreach (var (name, field) in SummaryMaps.For(kind))
            {
                WriteMap(json, name, summary, field);
            }

            json.WriteEndObject();
        });
    }

    /// <summary>Every value of a summarised field with its count, most frequent first, as one JSON object.</summary>
    internal static void WriteMap(Utf8JsonWriter json, string name, PartSummary summary, string field)
    {
        json.WriteStartObject(name);
        foreach (var (value, count) in summary.Top(field, int.MaxValue))
        {
            json.WriteNumber(value, count);
        }

        json.WriteEndObject();
    }

    private static void WriteTop(Utf8JsonWriter json, string name, string key, PartSummary summary, string field, int limit = TopLimit)
    {
        json.WriteStartArray(name);
        foreach (var (value, count) in summary.Top(field, limit))
        {
            json.WriteStartObject();
            json.WriteString(key, value);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
