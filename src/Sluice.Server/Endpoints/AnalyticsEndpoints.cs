using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Analytics.Worker;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Output;
using Sluice.Server.Http;
using Sluice.Server.Metrics;

namespace Sluice.Server.Endpoints;

/// <summary>
/// The query language's endpoints: aggregations into time series, custom queries and read-only SQL, and formulas.
/// Each runs off the request thread with the engine's deadline, stops when the client goes away, and answers over
/// sealed ranges come from the result cache when they can.
/// </summary>
public static class AnalyticsEndpoints
{
    internal const long DefaultRangeMs = 24 * 3_600_000L;

    public static IEndpointRouteBuilder MapAnalytics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/logs/aggregate", AggregateAsync).RequireScope(ApiScope.Read).RunsQuery()
            .AcceptsQuery("start_time", "end_time", "include_archive", "time_bucket", "group_by", "query", "kind");
        app.MapPost("/api/logs/analytics/custom", CustomAsync).RequireScope(ApiScope.Read).RunsQuery();
        app.MapPost("/api/v1/formulas/validate", ValidateFormulaAsync).RequireScope(ApiScope.Read);
        app.MapPost("/api/v1/formulas/execute", ExecuteFormulaAsync).RequireScope(ApiScope.Read).RunsQuery();
        app.MapGet("/api/v1/formulas/functions", context => QueryEndpoints.WriteJson(context, WriteFunctions)).RequireScope(ApiScope.Read);
        app.MapGet("/api/v1/formulas/examples", context => QueryEndpoints.WriteJson(context, WriteExamples)).RequireScope(ApiScope.Read);
        return app;
    }

    private static async Task AggregateAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var analytics = context.RequestServices.GetRequiredService<IQueryEngine>();
        if (!await QueryEndpoints.EnsureReady(context) || await ReadRange(context, analytics.NowMs) is not { } range
            || await ReadFlag(context, "include_archive") is not { } includeArchive)
        {
            return;
        }

        long? bucket = null;
        var bucketText = query["time_bucket"].ToString();
        if (bucketText.Length > 0)
        {
            if (!Durations.TryParse(bucketText, out var ms))
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'time_bucket' must be a duration such as 5m or 1h, not '{bucketText}'", "time_bucket");
                return;
            }

            if ((range.End - range.Start) / ms > TimeBuckets.MaxBuckets)
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"the range holds more than {TimeBuckets.MaxBuckets} buckets of {bucketText}; choose a larger time_bucket", "time_bucket");
                return;
            }

            bucket = ms;
        }

        var groups = query["group_by"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var invalid = groups.FirstOrDefault(g => !QueryParser.IsName(g));
        if (invalid is not null)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'{invalid}' in group_by is not a field name", "group_by");
            return;
        }

        Filter? filter;
        try
        {
            filter = QueryParser.ParseFilter(query["query"].ToString());
        }
        catch (QueryException e)
        {
            await WriteQueryError(context, "query", ErrorCodes.InvalidQuery, e);
            return;
        }

        // Counts cover logs and traffic alike; `kind` narrows them to one, as on the search.
        switch (query["kind"].ToString())
        {
            case "": break;
            case "log" or "traffic":
                var kind = new FieldFilter(QueryField.Kind, MatchOp.Equal, query["kind"].ToString());
                filter = filter is null ? kind : new AndFilter(filter, kind);
                break;
            default:
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'kind' must be log or traffic", "kind");
                return;
        }

        var keys = groups.Select(g => new GroupKey(QueryField.Resolve(g), 0)).ToList();
        if (bucket is { } size)
        {
            keys.Add(new GroupKey(null, size));
        }

        var stats = new ParsedQuery(filter, [new StatsPipe([new Aggregate(AggregateFunction.Count, null, null, "count")], keys)]);
        var cacheKey = filter is not null && QueryBounds.DependsOnClock(filter) ? null : $"aggregate\n{QueryPrinter.Print(stats)}\n{range.Start}\n{range.End}\n{includeArchive}";
        await AnswerAsync(context, "query", ErrorCodes.InvalidQuery, range.End, cacheKey, cancel =>
        {
            using var answer = analytics.Run(stats, new QueryBounds(range.Start, range.End, null), includeArchive, cancel);
            var rows = bucket is { } width ? TimeBuckets.FillEmpty(answer.Rows, groups.Length, range.Start, range.End, width) : answer.Rows;
            return Serialize(json =>
            {
                json.WriteStartObject();
                json.WriteString("start_time", Timestamps.ToIso(range.Start));
                json.WriteString("end_time", Timestamps.ToIso(range.End));
                if (bucket is { } b)
                {
                    json.WriteString("time_bucket", Durations.Format(b));
                }

                json.WriteStartArray("group_by");
                foreach (var group in groups)
                {
                    json.WriteStringValue(group);
                }

                json.WriteEndArray();
                json.WriteStartArray("buckets");
                foreach (var row in rows)
                {
                    json.WriteStartObject();
                    for (var i = 0; i < answer.Columns.Count; i++)
                    {
                        var column = answer.Columns[i];
                        json.WritePropertyName(column.Name == GroupKey.TimeColumn ? "time" : column.Name);
                        ValueJsonWriter.Write(json, row[i], column.IsTime);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                AnalyticsOutput.WriteTruncation(json, answer.TruncatedBy);
                json.WriteEndObject();
            });
        });
    }

    private static async Task CustomAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context) || await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var analytics = context.RequestServices.GetRequiredService<IQueryEngine>();
        if (await Strings(context, body, "query", "sql") is not [var text, var sql])
        {
            return;
        }

        var includeArchive = body.TryGetProperty("include_archive", out var flag) && flag.ValueKind == JsonValueKind.True;
        if ((text is null) == (sql is null))
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, "send exactly one of 'query' (the query language) and 'sql' (one read-only SELECT)", "query");
            return;
        }

        if (sql is not null)
        {
            await AnswerAsync(context, "sql", ErrorCodes.InvalidSql, null, null, cancel =>
            {
                var started = Stopwatch.GetTimestamp();
                using var answer = analytics.RunSql(sql, includeArchive, cancel);
                return Serialize(json => AnalyticsOutput.WriteAnswer(json, answer, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            });
            return;
        }

        ParsedQuery parsed;
        try
        {
            parsed = QueryParser.Parse(text!);
        }
        catch (QueryException e)
        {
            await WriteQueryError(context, "query", ErrorCodes.InvalidQuery, e);
            return;
        }

        var bounds = QueryBounds.Of(parsed.Filter, analytics.NowMs);
        var cacheable = bounds.End != long.MaxValue && parsed.Filter is not null && !QueryBounds.DependsOnClock(parsed.Filter);
        var cacheKey = $"custom\n{QueryPrinter.Print(parsed)}\n{includeArchive}";
        await AnswerAsync(context, "query", ErrorCodes.InvalidQuery, cacheable ? bounds.End : null, cacheable ? cacheKey : null, cancel =>
        {
            var started = Stopwatch.GetTimestamp();
            using var answer = analytics.Run(parsed, QueryBounds.All, includeArchive, cancel);
            return Serialize(json => AnalyticsOutput.WriteAnswer(json, answer, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        });
    }

    private static async Task ValidateFormulaAsync(HttpContext context)
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body || await Strings(context, body, "formula") is not [var given])
        {
            return;
        }

        if (given is not { } formula)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, "'formula' is required", "formula");
            return;
        }

        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            try
            {
                var (_, aggregations) = FormulaParser.Parse(formula);
                json.WriteBoolean("valid", true);
                json.WriteStartArray("aggregations");
                foreach (var aggregation in aggregations)
                {
                    json.WriteStartObject();
                    json.WriteString("text", aggregation.Text);
                    json.WriteString("function", aggregation.Function);
                    if (aggregation.Field is { } field)
                    {
                        json.WriteString("field", field.Name);
                    }

                    if (aggregation.Filter is { } filter)
                    {
                        json.WriteString("filter", QueryPrinter.Print(filter));
                    }

                    if (aggregation.WindowMs > 0)
                    {
                        json.WriteString("window", Durations.Format(aggregation.WindowMs));
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }
            catch (QueryException e)
            {
                json.WriteBoolean("valid", false);
                json.WriteNumber("position", e.Position);
                json.WriteString("message", e.Reason);
            }

            json.WriteEndObject();
        });
    }

    private static async Task ExecuteFormulaAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context) || await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var analytics = context.RequestServices.GetRequiredService<IQueryEngine>();
        if (await Strings(context, body, "formula", "bucket", "filter") is not [var given, var bucketGiven, var filterGiven])
        {
            return;
        }

        if (given is not { } formula)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, "'formula' is required", "formula");
            return;
        }

        var startError = BodyTime(body, "start_time", out var startAt);
        var endError = BodyTime(body, "end_time", out var endAt);
        if ((startError ?? endError) is { } timeError)
        {
            await Problem.WriteAsync(context, 400, timeError);
            return;
        }

        var end = endAt ?? analytics.NowMs + 1;
        var start = startAt ?? end - DefaultRangeMs;
        if (end <= start)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'end_time' must be after 'start_time'", "end_time");
            return;
        }

        long? bucket = null;
        if (bucketGiven is { } bucketText)
        {
            if (!Durations.TryParse(bucketText, out var ms))
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, $"'bucket' must be a duration such as 5m or 1h, not '{bucketText}'", "bucket");
                return;
            }

            bucket = ms;
        }

        Filter? scope;
        try
        {
            scope = QueryParser.ParseFilter(filterGiven ?? "");
        }
        catch (QueryException e)
        {
            await WriteQueryError(context, "filter", ErrorCodes.InvalidQuery, e);
            return;
        }

        bool relative;
        try
        {
            // An answer that depends on the clock (_time:1h inside the formula or its filter) is never cached.
            relative = FormulaParser.Parse(formula).Aggregations.Any(a => a.Filter is { } f && QueryBounds.DependsOnClock(f)) || (scope is not null && QueryBounds.DependsOnClock(scope));
        }
        catch (QueryException e)
        {
            await WriteQueryError(context, "formula", ErrorCodes.InvalidFormula, e);
            return;
        }

        var includeArchive = body.TryGetProperty("include_archive", out var flag) && flag.ValueKind == JsonValueKind.True;
        var cacheKey = relative ? null : $"formula\n{formula}\n{start}\n{end}\n{bucket}\n{(scope is null ? "" : QueryPrinter.Print(scope))}\n{includeArchive}";
        await AnswerAsync(context, "formula", ErrorCodes.InvalidFormula, end, cacheKey, cancel =>
        {
            var result = analytics.Formula(formula, start, end, bucket, scope, includeArchive, cancel);
            return Serialize(json =>
            {
                json.WriteStartObject();
                json.WriteString("formula", formula);
                json.WriteString("start_time", Timestamps.ToIso(start));
                json.WriteString("end_time", Timestamps.ToIso(end));
                if (result.Series is { } series)
                {
                    json.WriteString("bucket", Durations.Format(bucket!.Value));
                    json.WriteStartArray("series");
                    foreach (var (time, value) in series)
                    {
                        json.WriteStartObject();
                        json.WriteString("time", Timestamps.ToIso(time));
                        json.WritePropertyName("value");
                        ValueJsonWriter.Write(json, value);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }
                else
                {
                    json.WritePropertyName("value");
                    ValueJsonWriter.Write(json, result.Value);
                }

                json.WriteEndObject();
            });
        });
    }

    /// <summary>
    /// Produces the answer off the request thread (or takes it from the cache when its range ends before every
    /// unsealed event), and maps every way a query can fail to its status and code.
    /// </summary>
    internal static async Task AnswerAsync(HttpContext context, string field, string invalidCode, long? rangeEndMs, string? cacheKey, Func<CancellationToken, byte[]> produce)
    {
        var services = context.RequestServices;
        var cache = services.GetRequiredService<QueryCache>();
        var metrics = services.GetRequiredService<ServerMetrics>();
        var started = Stopwatch.GetTimestamp();
        var cancel = context.RequestAborted;
        var cacheable = cache.Enabled && cacheKey is not null && rangeEndMs is { } end
            && end <= services.GetRequiredService<IQueryEngine>().SealedThroughMs();
        byte[] body = [];
        try
        {
            var hit = cacheable && cache.TryGet(cacheKey!, out body);
            if (!hit)
            {
                body = await Task.Run(() => produce(cancel), cancel);
                if (cacheable)
                {
                    cache.Put(cacheKey!, body);
                }
            }

            if (cacheable)
            {
                context.Response.Headers["X-Sluice-Cache"] = hit ? "hit" : "miss";
            }

            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(body, cancel);
        }
        catch (QueryException e)
        {
            await WriteQueryError(context, field, invalidCode, e);
        }
        catch (SqlRejectedException e)
        {
            await Problem.WriteAsync(context, 400, new FieldError(e.Code, field, e.Message) { Position = e.Position });
        }
        catch (QueryFailedException e)
        {
            await Problem.WriteAsync(context, 400, invalidCode, $"the engine refused it: {e.Message}", field);
        }
        catch (QueryTimeoutException e)
        {
            await Problem.WriteAsync(context, StatusCodes.Status504GatewayTimeout, ErrorCodes.QueryTimeout, e.Message, field);
        }
        catch (QueryMemoryException e)
        {
            context.Response.Headers.RetryAfter = "1";
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.QueryMemory, e.Message, field);
        }
        catch (SqlWorkersBusyException e)
        {
            context.Response.Headers.RetryAfter = "1";
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.TooManyQueries, e.Message, field);
        }
        catch (QueryUnavailableException e)
        {
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.QueryUnavailable, e.Message, field);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client went away; the engine was interrupted and there is no one to answer.
        }
        finally
        {
            metrics.AnalyticsLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    internal static Task WriteQueryError(HttpContext context, string field, string code, QueryException e) =>
        Problem.WriteAsync(context, 400, new FieldError(code, field, e.Message) { Position = e.Position });

    internal static byte[] Serialize(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            write(json);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An optional time in a JSON body, ISO-8601 or an epoch number; the error when present but neither.</summary>
    internal static FieldError? BodyTime(JsonElement body, string name, out long? ms)
    {
        ms = null;
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => "",
        };
        if (!Timestamps.TryParse(text, out var parsed))
        {
            return new FieldError(ErrorCodes.InvalidParameter, name, $"'{name}' {Timestamps.WhyNot(text)}");
        }

        ms = parsed;
        return null;
    }

    /// <summary>The string fields <paramref name="names"/> of the body, or null once an <c>invalid_type</c> problem has been answered.</summary>
    private static async Task<string?[]?> Strings(HttpContext context, JsonElement body, params string[] names)
    {
        var values = new string?[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            if (!JsonBody.TryString(body, names[i], out values[i], out var error))
            {
                await Problem.WriteAsync(context, 400, error);
                return null;
            }
        }

        return values;
    }

    internal static async Task<(long Start, long End)?> ReadRange(HttpContext context, long nowMs)
    {
        if (!SearchParameters.TryRange(context.Request.Query, out var start, out var end, out var error))
        {
            await Problem.WriteAsync(context, 400, error);
            return null;
        }

        var last = end ?? nowMs + 1;
        var first = start ?? last - DefaultRangeMs;
        if (last <= first)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.InvalidParameter, "'end_time' must be after 'start_time'", "end_time");
            return null;
        }

        return (first, last);
    }

    private static async Task<bool?> ReadFlag(HttpContext context, string name)
    {
        if (SearchParameters.TryFlag(context.Request.Query, name, out var value, out var error))
        {
            return value;
        }

        await Problem.WriteAsync(context, 400, error);
        return null;
    }

    private static void WriteFunctions(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartArray("functions");
        foreach (var function in FormulaCatalog.Functions)
        {
            json.WriteStartObject();
            json.WriteString("name", function.Name);
            json.WriteString("signature", function.Signature);
            json.WriteString("description", function.Description);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("operators");
        foreach (var op in new[] { "+", "-", "*", "/", "(", ")" })
        {
            json.WriteStringValue(op);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteExamples(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartArray("examples");
        foreach (var (name, formula, description) in FormulaCatalog.Examples)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("formula", formula);
            json.WriteString("description", description);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
