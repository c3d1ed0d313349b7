using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Analysis.Patterns;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>Seed 001's pattern endpoints (docs/api.md, "Patterns"): counts and trends in a range, learning, similar patterns.</summary>
public static class PatternEndpoints
{
    private const int MaxLearnt = 1_000;
    private const int MaxTemplateChars = 4_096;

    public static IEndpointRouteBuilder MapPatterns(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/logs/analytics/patterns", ReportAsync).RequireScope(ApiScope.Read).RunsQuery()
            .AcceptsQuery("start_time", "end_time", "service", "level", "min_frequency", "limit");
        app.MapPost("/api/logs/analyze/patterns", AnalyzeAsync).RequireScope(ApiScope.Read).RunsQuery();
        app.MapPost("/api/logs/patterns/learn", LearnAsync).RequireScope(ApiScope.Admin);
        app.MapGet("/api/logs/patterns/similar", SimilarAsync).RequireScope(ApiScope.Read).AcceptsQuery("message", "pattern_id", "limit");
        app.MapGet("/api/logs/patterns/{id}", GetAsync).RequireScope(ApiScope.Read);
        return app;
    }

    private static async Task ReportAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var analytics = context.RequestServices.GetRequiredService<IQueryEngine>();
        if (!await QueryEndpoints.EnsureReady(context) || await AnalyticsEndpoints.ReadRange(context, analytics.NowMs) is not { } range)
        {
            return;
        }

        var services = SearchParameters.Split(query["service"]).ToList();
        if (await ParseLevels(context, SearchParameters.Split(query["level"]), "level") is not { } levels
            || await Number(context, query["min_frequency"].ToString(), "min_frequency", 1, 0, long.MaxValue) is not { } min
            || await Number(context, query["limit"].ToString(), "limit", 100, 1, PatternReport.MaxLimit) is not { } limit)
        {
            return;
        }

        await Answer(context, new PatternReport(range.Start, range.End, services, levels, min, (int)limit));
    }

    /// <summary><c>{"time_range": "1h" | {"start_time", "end_time"}, "services": [...], "levels": [...], "min_frequency": n}</c>.</summary>
    private static async Task AnalyzeAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context) || await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var now = context.RequestServices.GetRequiredService<IQueryEngine>().NowMs;
        var end = now + 1;
        var start = end - AnalyticsEndpoints.DefaultRangeMs;
        if (body.TryGetProperty("time_range", out var range) && range.ValueKind != JsonValueKind.Null)
        {
            if (range.ValueKind == JsonValueKind.String && Durations.TryParse(range.GetString()!, out var ms) && ms > 0)
            {
                start = end - ms;
            }
            else if (range.ValueKind == JsonValueKind.Object)
            {
                var fromError = AnalyticsEndpoints.BodyTime(range, "start_time", out var from);
                var toError = AnalyticsEndpoints.BodyTime(range, "end_time", out var to);
                if ((fromError ?? toError) is { } error)
                {
                    await Problem.WriteAsync(context, 400, error with { Field = "time_range." + error.Field });
                    return;
                }

                end = to ?? end;
                start = from ?? end - AnalyticsEndpoints.DefaultRangeMs;
            }
            else
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'time_range' must be a duration such as \"1h\" or {\"start_time\": …, \"end_time\": …}", "time_range");
                return;
            }
        }

        if (end <= start)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'time_range.end_time' must be after its start_time", "time_range");
            return;
        }

        if (await StringList(context, body, "services") is not { } services || await StringList(context, body, "levels") is not { } levelNames
            || await ParseLevels(context, levelNames, "levels") is not { } levels)
        {
            return;
        }

        long min = 1, limit = 100;
        if (body.TryGetProperty("min_frequency", out var minValue) && (!minValue.TryGetInt64(out min) || min < 0))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'min_frequency' must be a whole number ≥ 0", "min_frequency");
            return;
        }

        if (body.TryGetProperty("limit", out var limitValue) && (!limitValue.TryGetInt64(out limit) || limit is < 1 or > PatternReport.MaxLimit))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'limit' must be a whole number from 1 to {PatternReport.MaxLimit}", "limit");
            return;
        }

        await Answer(context, new PatternReport(start, end, services, levels, min, (int)limit));
    }

    private static Task Answer(HttpContext context, PatternReport report)
    {
        var analytics = context.RequestServices.GetRequiredService<IQueryEngine>();
        var catalog = context.RequestServices.GetService<IPatternCatalogView>();
        return AnalyticsEndpoints.AnswerAsync(context, "query", ErrorCodes.InvalidQuery, null, null, cancel => report.Run(analytics, catalog, false, cancel));
    }

    /// <summary><c>{"patterns": [{"template": "User &lt;*&gt; logged in", "name": "login"}, {"regex": "^GET /health", "name": "health"}]}</c>, or one such object alone.</summary>
    private static async Task LearnAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<PatternBook>() is not { } book)
        {
            await PatternsOff(context);
            return;
        }

        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var items = body.TryGetProperty("patterns", out var list) ? list : body;
        var elements = items.ValueKind == JsonValueKind.Array ? [.. items.EnumerateArray()] : new[] { items };
        if (items.ValueKind == JsonValueKind.Array && (elements.Length == 0 || elements.Length > MaxLearnt))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'patterns' must hold 1 to {MaxLearnt} patterns", "patterns");
            return;
        }

        var wanted = new List<PatternToLearn>();
        for (var i = 0; i < elements.Length; i++)
        {
            var prefix = items.ValueKind == JsonValueKind.Array ? $"patterns[{i}]." : "";
            if (elements[i].ValueKind != JsonValueKind.Object)
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidType, $"'{prefix.TrimEnd('.')}' must be an object with 'template' or 'regex'", prefix.TrimEnd('.'));
                return;
            }

            string? template = null, regex = null, name = null;
            foreach (var (field, set) in new (string, Action<string?>)[] { ("template", v => template = v), ("regex", v => regex = v), ("name", v => name = v) })
            {
                if (!JsonBody.TryString(elements[i], field, out var value, out var error))
                {
                    await Problem.WriteAsync(context, 400, error with { Field = prefix + field, Message = $"'{prefix}{field}' must be a string" });
                    return;
                }

                if (value is { Length: > MaxTemplateChars })
                {
                    await Problem.WriteAsync(context, 400, ErrorCodes.FieldTooLong, $"'{prefix}{field}' is longer than {MaxTemplateChars} characters", prefix + field);
                    return;
                }

                set(value);
            }

            if (string.IsNullOrWhiteSpace(template) == string.IsNullOrWhiteSpace(regex))
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, $"'{prefix}template' or '{prefix}regex': give exactly one", prefix + "template");
                return;
            }

            wanted.Add(new PatternToLearn(template, regex, name));
        }

        IReadOnlyList<PatternSummary> learnt;
        try
        {
            learnt = book.Learn(wanted);
        }
        catch (ArgumentException e)
        {
            var field = e.Message.StartsWith("patterns[", StringComparison.Ordinal) ? e.Message[..(e.Message.IndexOf(']') + 1)] : "patterns";
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, e.Message, items.ValueKind == JsonValueKind.Array ? field : "template");
            return;
        }

        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("patterns");
            foreach (var p in learnt)
            {
                WriteSummary(json, p, null);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static async Task SimilarAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<PatternBook>() is not { } book)
        {
            await PatternsOff(context);
            return;
        }

        var query = context.Request.Query;
        var message = query["message"].ToString();
        var patternId = query["pattern_id"].ToString();
        if (await Number(context, query["limit"].ToString(), "limit", 5, 1, 100) is not { } limit)
        {
            return;
        }

        if ((message.Length == 0) == (patternId.Length == 0))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, "give exactly one of 'message' and 'pattern_id'", "message");
            return;
        }

        if (patternId.Length > 0)
        {
            if (book.Find(patternId) is not { } known)
            {
                await Problem.WriteAsync(context, 404, ErrorCodes.NotFound, $"no pattern has the id '{patternId}'", "pattern_id");
                return;
            }

            message = known.Example ?? known.Template;
        }

        var similar = book.Similar(message, (int)limit + 1).Where(s => s.Pattern.Id != patternId).Take((int)limit);
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("patterns");
            foreach (var (pattern, score) in similar)
            {
                WriteSummary(json, pattern, score);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static async Task GetAsync(HttpContext context, string id)
    {
        if (context.RequestServices.GetService<IPatternCatalogView>()?.Find(id) is not { } known)
        {
            await Problem.WriteAsync(context, 404, ErrorCodes.NotFound, $"no pattern has the id '{id}'", "id");
            return;
        }

        await QueryEndpoints.WriteJson(context, json => WriteSummary(json, known, null));
    }

    private static void WriteSummary(Utf8JsonWriter json, PatternSummary p, double? score)
    {
        json.WriteStartObject();
        json.WriteString("id", p.Id);
        json.WriteString("pattern", p.Template);
        json.WriteString("type", p.Type);
        if (p.Name is { } name)
        {
            json.WriteString("name", name);
        }

        json.WriteNumber("frequency", p.Frequency);
        if (score is { } s)
        {
            json.WriteNumber("score", Math.Round(s, 4));
        }

        PatternReport.WriteCatalogFields(json, p);
        json.WriteEndObject();
    }

    private static Task PatternsOff(HttpContext context) =>
        Problem.WriteAsync(context, 404, ErrorCodes.NotFound, "pattern mining is off (Patterns:Enabled=false)", null);

    private static async Task<long?> Number(HttpContext context, string text, string name, long fallback, long min, long max)
    {
        if (text.Length == 0)
        {
            return fallback;
        }

        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'{name}' must be a whole number from {min} to {max}", name);
        return null;
    }

    private static async Task<List<EventLevel>?> ParseLevels(HttpContext context, IEnumerable<string> names, string field)
    {
        if (SearchParameters.TryLevels(names, field, out var levels, out var error))
        {
            return levels;
        }

        await Problem.WriteAsync(context, 400, error);
        return null;
    }

    private static async Task<List<string>?> StringList(HttpContext context, JsonElement body, string name)
    {
        var list = new List<string>();
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return list;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidType, $"'{name}' must be an array of strings", name);
            return null;
        }

        list.AddRange(value.EnumerateArray().Select(v => v.GetString()!));
        return list;
    }
}
