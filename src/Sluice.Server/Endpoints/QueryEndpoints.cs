using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Sluice.Admission.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Query.Output;
using Sluice.Query.Search;
using Sluice.Server.Http;
using Sluice.Server.Metrics;
using Sluice.Storage;

namespace Sluice.Server.Endpoints;

/// <summary>Reading events back, from memory and sealed parts alike: search with cursors, one event by id, one trace.</summary>
public static class QueryEndpoints
{
    public static IEndpointRouteBuilder MapQuery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/logs/search", context => SearchAsync(context, SearchParameters.TryParse)).RequireScope(ApiScope.Read).RunsQuery().AcceptsQuery(SearchParameters.Names);
        app.MapGet("/api/traffic-logs/v2", context => SearchAsync(context, SearchParameters.TryParseTraffic)).RequireScope(ApiScope.Read).RunsQuery()
            .AcceptsQuery(SearchParameters.TrafficNames);
        // Catch-all: an id may hold '/', sent as is or as %2F (which routing would leave encoded).
        app.MapGet("/api/logs/{**id}", context => GetByIdAsync(context, PathTail(context, "/api/logs/"))).RequireScope(ApiScope.Read).AcceptsQuery("include_archive");
        app.MapGet("/api/traces/{**traceId}", context => GetTraceAsync(context, PathTail(context, "/api/traces/"))).RequireScope(ApiScope.Read).RunsQuery()
            .AcceptsQuery("include_archive");
        return app;
    }

    private delegate bool SearchParser(IQueryCollection query, QueryOptions options, long nowMs, out SearchRequest request, out FieldError error);

    private static async Task SearchAsync(HttpContext context, SearchParser parse)
    {
        var started = Stopwatch.GetTimestamp();
        var services = context.RequestServices;
        if (!await EnsureReady(context))
        {
            return;
        }

        var (ok, includeArchive) = await TryArchiveFlag(context);
        if (!ok)
        {
            return;
        }

        var now = services.GetRequiredService<IClock>().UnixMilliseconds;
        if (!parse(context.Request.Query, services.GetRequiredService<SluiceOptions>().Query, now, out var request, out var error))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var timeoutMs = services.GetRequiredService<SluiceOptions>().Query.TimeoutMs;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeoutMs);
        Task written;
        try
        {
            using var result = services.GetRequiredService<IQueryEngine>().Search(request, includeArchive, deadline.Token);
            written = WriteJson(context, json => WritePage(json, result.Value));
        }
        catch (Exception e) when (deadline.IsCancellationRequested && e is OperationCanceledException or DuckDB.NET.Data.DuckDBException)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            written = Problem.WriteAsync(context, StatusCodes.Status504GatewayTimeout, ErrorCodes.QueryTimeout,
                new Sluice.Query.Analytics.QueryTimeoutException(timeoutMs).Message);
        }

        // The rows are copied into the response pipe by now: release the read scope before waiting on the client.
        await written;
        services.GetRequiredService<ServerMetrics>().SearchLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static async Task GetByIdAsync(HttpContext context, string id)
    {
        if (!await EnsureReady(context))
        {
            return;
        }

        var (ok, includeArchive) = await TryArchiveFlag(context);
        if (!ok)
        {
            return;
        }

        Task written;
        using (var result = context.RequestServices.GetRequiredService<IQueryEngine>().Find(id, includeArchive))
        {
            written = result.Value is { } row
                ? WriteJson(context, json => EventJsonWriter.Write(json, row.Bytes.Span))
                : Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no event has id '{id}'", "id");
        }

        await written;
    }

    private static async Task GetTraceAsync(HttpContext context, string traceId)
    {
        if (!await EnsureReady(context))
        {
            return;
        }

        var (ok, includeArchive) = await TryArchiveFlag(context);
        if (!ok)
        {
            return;
        }

        Task written;
        var maxBytes = context.RequestServices.GetRequiredService<SluiceOptions>().Query.MaxAnswerMb * 1024L * 1024;
        var shared = await SharedTrace.ReadAsync(context, traceId, maxBytes);
        using (var result = context.RequestServices.GetRequiredService<IQueryEngine>().Trace(traceId, includeArchive, maxBytes))
        {
            var (rows, truncated) = result.Value;
            var merged = SharedTrace.Merge(rows, shared);
            written = merged.Count == 0
                ? Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no event has trace_id '{traceId}'", "trace_id")
                : WriteJson(context, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("trace_id", traceId);
                    json.WriteStartArray("events");
                    foreach (var item in merged)
                    {
                        if (item.Json is { } remote)
                        {
                            json.WriteRawValue(remote, skipInputValidation: true);
                        }
                        else
                        {
                            EventJsonWriter.Write(json, item.Row.Span);
                        }
                    }

                    json.WriteEndArray();
                    json.WriteBoolean("truncated", truncated || shared.Truncated);
                    if (shared.State is { } state)
                    {
                        json.WriteString("shared", state);
                    }

                    json.WriteEndObject();
                });
        }

        await written;
    }

    /// <summary>The rest of the path after <paramref name="prefix"/>, decoded from the request as sent.</summary>
    private static string PathTail(HttpContext context, string prefix)
    {
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var end = raw.IndexOfAny(['?', '#']);
        var path = end < 0 ? raw : raw[..end];
        var start = path.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        return start < 0 ? "" : Uri.UnescapeDataString(path[(start + prefix.Length)..]);
    }

    private static void WritePage(Utf8JsonWriter json, SearchPage page)
    {
        json.WriteStartObject();
        json.WriteStartArray("events");
        foreach (var row in page.Rows)
        {
            EventJsonWriter.Write(json, row.Bytes.Span);
        }

        json.WriteEndArray();
        if (page.Next is { } next)
        {
            json.WriteString("next_cursor", next.Encode());
        }
        else
        {
            json.WriteNull("next_cursor");
        }

        json.WriteEndObject();
    }

    private static async Task<(bool Ok, bool IncludeArchive)> TryArchiveFlag(HttpContext context)
    {
        if (SearchParameters.TryFlag(context.Request.Query, "include_archive", out var include, out var error))
        {
            return (true, include);
        }

        await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
        return (false, false);
    }

    /// <summary>Answers 503 while the WAL is being replayed; true when the data endpoints may run.</summary>
    internal static async Task<bool> EnsureReady(HttpContext context)
    {
        if (!context.RequestServices.GetRequiredService<EventStore>().IsRecovering)
        {
            return true;
        }

        context.Response.Headers.RetryAfter = "1";
        await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.Recovering, "the server is recovering its log; retry shortly");
        return false;
    }

    internal static Task WriteJson(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter, JsonOutput.Options))
        {
            write(json);
        }

        return context.Response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
