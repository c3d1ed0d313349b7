using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Sluice.Admission.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Core.Time;
using Sluice.Server.Http;
using Sluice.Storage;
using Sluice.Storage.Partitions;
using Sluice.Storage.Retention;
using Sluice.Storage.Wal;

namespace Sluice.Server.Endpoints;

/// <summary>Operating the storage: seal now, clean up by policy (with a dry run), and what is stored where.</summary>
public static class StorageEndpoints
{
    public static IEndpointRouteBuilder MapStorage(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/admin/flush", FlushAsync).RequireScope(ApiScope.Admin);
        app.MapPost("/api/traffic-logs/v2/cleanup", context => CleanupAsync(context, EventKind.Traffic)).RequireScope(ApiScope.Admin).AcceptsQuery(CleanupParameters.Names);
        app.MapDelete("/api/logs/cleanup", context => CleanupAsync(context, EventKind.Log)).RequireScope(ApiScope.Admin).AcceptsQuery(CleanupParameters.Names);
        app.MapGet("/api/storage/stats", StatsAsync).RequireScope(ApiScope.Read);
        return app;
    }

    private static async Task FlushAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        var store = context.RequestServices.GetRequiredService<EventStore>();
        var before = PersistedThrough(store);
        try
        {
            // Events sampling holds back are written first, so a flush leaves every received event counted.
            await context.RequestServices.GetRequiredService<Ingest.HeldEventWriter>().WriteAsync(all: true);
            await store.FlushAsync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WalUnavailableException)
        {
            // Nothing is lost: what could not be sealed is still in the WAL, and sealing runs again later.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Storage").LogWarning(e, "Flush failed");
            var full = IoFailure.IsDiskFull(e) || IoFailure.IsDiskFull(e.InnerException ?? e);
            context.Response.Headers.RetryAfter = "10";
            await Problem.WriteAsync(context, full ? StatusCodes.Status507InsufficientStorage : StatusCodes.Status503ServiceUnavailable,
                full ? ErrorCodes.StorageFull : ErrorCodes.StorageUnavailable,
                $"the flush could not seal everything: {(e is WalUnavailableException ? e.Message : IoFailure.Describe(e))}; every acknowledged event is still in the log");
            return;
        }

        long after;
        int parts;
        using (var snapshot = store.OpenSnapshot())
        {
            after = snapshot.Persisted;
            parts = snapshot.Parts.Count;
        }

        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("success", true);
            json.WriteNumber("persisted_through_seq", after);
            json.WriteNumber("events_sealed", after - before);
            json.WriteNumber("parts", parts);
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// Runs a cleanup described by the JSON body (or query string): <c>policy</c> ttl|size|manual, <c>dry_run</c>,
    /// and for manual <c>start_time</c>, <c>end_time</c>, <c>force</c>, and <c>kind</c> (the endpoint's kind unless
    /// set; <c>all</c> for both).
    /// </summary>
    private static async Task CleanupAsync(HttpContext context, EventKind endpointKind)
    {
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        var (request, error) = await CleanupParameters.ReadAsync(context, endpointKind);
        if (request is null)
        {
            await Problem.WriteAsync(context, error.Code == ErrorCodes.BodyTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, error);
            return;
        }

        var now = context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds;
        // A dry run answers as the real run would, so it can be trusted as a rehearsal.
        if (request.Policy == CleanupPolicy.Manual && !request.Force && request.TouchesLastHour(now))
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ErrorCodes.ForceRequired,
                "the range reaches into the last hour, whose events may still be arriving; repeat with \"force\": true", "force");
            return;
        }

        var report = await context.RequestServices.GetRequiredService<EventStore>().CleanupAsync(request);
        var body = report.ToJson();
        body["success"] = true;
        await QueryEndpoints.WriteJson(context, json => body.WriteTo(json));
    }

    private static async Task StatsAsync(HttpContext context)
    {
        var root = Describe(context.RequestServices.GetRequiredService<EventStore>());
        await QueryEndpoints.WriteJson(context, json => root.WriteTo(json));
    }

    /// <summary>What is stored where, from one snapshot (released before the answer is written).</summary>
    private static JsonObject Describe(EventStore store)
    {
        using var snapshot = store.OpenSnapshot();
        long hotEvents = 0, hotBytes = 0, hotTraffic = 0, hotOldest = long.MaxValue, hotNewest = long.MinValue;
        foreach (var chunk in snapshot.Chunks)
        {
            var count = chunk.Count;
            var rows = chunk.Rows;
            for (var i = 0; i < count; i++)
            {
                hotTraffic += rows[i].Kind == EventKind.Traffic ? 1 : 0;
            }

            hotEvents += count;
            hotBytes += chunk.UsedBytes;
            if (chunk.Count > 0)
            {
                hotOldest = Math.Min(hotOldest, chunk.MinTimestamp);
                hotNewest = Math.Max(hotNewest, chunk.MaxTimestamp);
            }
        }

        var root = new JsonObject
        {
            ["hot"] = new JsonObject
            {
                ["events"] = hotEvents,
                ["log"] = new JsonObject { ["events"] = hotEvents - hotTraffic },
                ["traffic"] = new JsonObject { ["events"] = hotTraffic },
                ["row_bytes"] = hotBytes,
                ["memory_bytes"] = snapshot.MemoryBytes,
                ["chunks"] = snapshot.Chunks.Count,
                ["oldest_event"] = Time(hotOldest),
                ["newest_event"] = Time(hotNewest),
            },
            ["partitions"] = Tier(store, snapshot.Parts, PartTier.Partitions),
            ["archive"] = Tier(store, snapshot.Parts, PartTier.Archive),
            ["persisted_through_seq"] = snapshot.Persisted,
            ["wal"] = new JsonObject { ["bytes"] = store.WalDiskBytes(), ["segments_trimmed"] = store.WalStats.SegmentsTrimmed },
            ["last_cleanup"] = store.LastCleanup(),
        };
        var all = snapshot.Parts;
        root["oldest_event"] = Time(Math.Min(all.Count > 0 ? all.Min(p => p.MinTimestamp) : long.MaxValue, hotOldest));
        root["newest_event"] = Time(Math.Max(all.Count > 0 ? all.Max(p => p.MaxTimestamp) : long.MinValue, hotNewest));
        return root;
    }

    private static long PersistedThrough(EventStore store)
    {
        using var snapshot = store.OpenSnapshot();
        return snapshot.Persisted;
    }

    private static JsonObject Tier(EventStore store, IReadOnlyList<PartInfo> all, PartTier tier)
    {
        var result = new JsonObject();
        long rawTotal = 0, bytesTotal = 0;
        foreach (var kind in new[] { EventKind.Log, EventKind.Traffic })
        {
            var parts = all.Where(p => p.Tier == tier && p.Kind == kind).ToList();
            long events = parts.Sum(p => p.Rows), bytes = parts.Sum(p => p.Bytes), raw = parts.Sum(p => p.RawBytes);
            rawTotal += raw;
            bytesTotal += bytes;
            result[PartSchema.KindName(kind)] = new JsonObject
            {
                ["events"] = events,
                ["bytes"] = bytes,
                ["parts"] = parts.Count,
                ["hours"] = parts.Select(p => p.HourStart).Distinct().Count(),
                ["parts_awaiting_compaction"] = store.PartsAwaitingCompaction(parts),
                ["bytes_per_event"] = events == 0 ? null : Math.Round((double)bytes / events, 2),
                ["oldest_event"] = parts.Count == 0 ? null : Time(parts.Min(p => p.MinTimestamp)),
                ["newest_event"] = parts.Count == 0 ? null : Time(parts.Max(p => p.MaxTimestamp)),
            };
        }

        result["compression_ratio"] = bytesTotal == 0 ? null : Math.Round((double)rawTotal / bytesTotal, 2);
        return result;
    }

    private static JsonNode? Time(long ms) =>
        ms is long.MaxValue or long.MinValue ? null : JsonValue.Create(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime);
}
