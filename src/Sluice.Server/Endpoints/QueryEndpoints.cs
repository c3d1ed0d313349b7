using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Query.Output;
using Sluice.Query.Search;
using Sluice.Server.Http;
using Sluice.Server.Metrics;
using Sluice.Storage;
using Sluice.Storage.Hot;

namespace Sluice.Server.Endpoints;

/// <summary>Reading events back: search with cursors, one event by id, one trace.</summary>
public static class QueryEndpoints
{
    public static IEndpointRouteBuilder MapQuery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/logs/search", SearchAsync);
        app.MapGet("/api/logs/{id}", GetByIdAsync);
        app.MapGet("/api/traces/{traceId}", GetTraceAsync);
        return app;
    }

    private static async Task SearchAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var services = context.RequestServices;
        var store = services.GetRequiredService<EventStore>();
        if (!await EnsureReady(context, store))
        {
            return;
        }

        if (!SearchParameters.TryParse(context.Request.Query, services.GetRequiredService<SluiceOptions>().Query, out var request, out var error))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        Task written;
        using (store.Hot.EnterRead())
        {
            var page = HotSearch.Run(store.Hot, request);
            if (page.CursorExpired)
            {
                written = Problem.WriteAsync(context, StatusCodes.Status410Gone, ErrorCodes.CursorExpired,
                    "events this cursor had still to return have left the hot tier; start the search again", "cursor");
            }
            else
            {
                written = WriteJson(context, json => WritePage(json, page));
            }
        }

        // The rows are copied into the response pipe by now: release the read scope before waiting on the client.
        await written;
        services.GetRequiredService<ServerMetrics>().SearchLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static async Task GetByIdAsync(HttpContext context, string id)
    {
        var store = context.RequestServices.GetRequiredService<EventStore>();
        if (!await EnsureReady(context, store))
        {
            return;
        }

        Task written;
        using (store.Hot.EnterRead())
        {
            written = store.Hot.TryFind(Encoding.UTF8.GetBytes(id), out var row)
                ? WriteJson(context, json => EventJsonWriter.Write(json, row.Bytes))
                : Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no event has id '{id}'", "id");
        }

        await written;
    }

    private static async Task GetTraceAsync(HttpContext context, string traceId)
    {
        var store = context.RequestServices.GetRequiredService<EventStore>();
        if (!await EnsureReady(context, store))
        {
            return;
        }

        Task written;
        using (store.Hot.EnterRead())
        {
            var rows = store.Hot.FindTrace(Encoding.UTF8.GetBytes(traceId));
            rows.Sort(static (a, b) =>
            {
                var c = a.Entry.Timestamp.CompareTo(b.Entry.Timestamp);
                return c != 0 ? c : a.Entry.Seq.CompareTo(b.Entry.Seq);
            });
            written = rows.Count == 0
                ? Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no event has trace_id '{traceId}'", "trace_id")
                : WriteJson(context, json =>
                {
                    json.WriteStartObject();
                    json.WriteString("trace_id", traceId);
                    json.WriteStartArray("events");
                    foreach (var row in rows)
                    {
                        EventJsonWriter.Write(json, row.Bytes);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                });
        }

        await written;
    }

    private static void WritePage(Utf8JsonWriter json, SearchPage page)
    {
        json.WriteStartObject();
        json.WriteStartArray("events");
        foreach (var row in page.Rows)
        {
            EventJsonWriter.Write(json, row.Bytes);
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

    private static async Task<bool> EnsureReady(HttpContext context, EventStore store)
    {
        if (!store.IsRecovering)
        {
            return true;
        }

        context.Response.Headers.RetryAfter = "1";
        await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.Recovering, "the server is recovering its log; retry shortly");
        return false;
    }

    private static Task WriteJson(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter, JsonOutput.Options))
        {
            write(json);
        }

        return context.Response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
