using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Time;
using Sluice.Server.Http;
using Sluice.Storage;
using Sluice.Storage.Partitions;
using Sluice.Storage.Retention;

namespace Sluice.Server.Endpoints;

/// <summary>Operating the storage: seal now, clean up by policy (with a dry run), and what is stored where.</summary>
public static class StorageEndpoints
{
    public static IEndpointRouteBuilder MapStorage(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/admin/flush", FlushAsync);
        app.MapPost("/api/traffic-logs/v2/cleanup", context => CleanupAsync(context, EventKind.Traffic));
        app.MapDelete("/api/logs/cleanup", context => CleanupAsync(context, EventKind.Log));
        app.MapGet("/api/storage/stats", StatsAsync);
        return app;
    }

    private static async Task FlushAsync(HttpContext context)
    {
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        var store = context.RequestServices.GetRequiredService<EventStore>();
        var before = store.Catalog.Current;
        await store.Worker.FlushAsync();
        var after = store.Catalog.Current;
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("success", true);
            json.WriteNumber("persisted_through_seq", after.PersistedThroughSeq);
            json.WriteNumber("events_sealed", after.PersistedThroughSeq - before.PersistedThroughSeq);
            json.WriteNumber("parts", after.Parts.Count);
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

        var (request, error) = await ReadCleanupRequest(context, endpointKind);
        if (request is null)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var now = context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds;
        if (request.Policy == CleanupPolicy.Manual && !request.Force && !request.DryRun && CleanupPlanner.TouchesLastHour(request, now))
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ErrorCodes.ForceRequired,
                "the range reaches into the last hour, whose events may still be arriving; repeat with \"force\": true", "force");
            return;
        }

        var report = await context.RequestServices.GetRequiredService<EventStore>().Worker.CleanupAsync(request);
        var body = report.ToJson();
        body["success"] = true;
        await QueryEndpoints.WriteJson(context, json => body.WriteTo(json));
    }

    private static async Task<(CleanupRequest? Request, FieldError Error)> ReadCleanupRequest(HttpContext context, EventKind endpointKind)
    {
        JsonObject body;
        try
        {
            body = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
                ? await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject ?? []
                : [];
        }
        catch (JsonException e)
        {
            return (null, new FieldError(ErrorCodes.MalformedJson, null, "the body is not a JSON object: " + e.Message));
        }

        // A field that is present must parse: a typo in "dry_run" or a fractional time must never turn into a
        // real deletion or an open-ended range.
        FieldError? bad = null;
        string? Text(string name)
        {
            if (body[name] is null)
            {
                return context.Request.Query[name].FirstOrDefault();
            }

            if (body[name] is JsonValue v && v.TryGetValue<string>(out var text))
            {
                return text;
            }

            bad ??= new FieldError(ErrorCodes.InvalidType, name, $"'{name}' must be a string");
            return null;
        }

        bool Flag(string name)
        {
            var value = body[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? (b ? "true" : "false") : Text(name);
            switch (value?.ToLowerInvariant())
            {
                case null or "" or "false" or "0": return false;
                case "true" or "1": return true;
                default:
                    bad ??= new FieldError(ErrorCodes.InvalidValue, name, $"'{name}' must be true or false");
                    return false;
            }
        }

        long? Time(string name)
        {
            if (body[name] is JsonValue number && number.GetValueKind() == JsonValueKind.Number && !number.TryGetValue<long>(out _))
            {
                bad ??= new FieldError(ErrorCodes.InvalidValue, name, $"'{name}' must be a whole epoch number (s, ms, µs or ns) or ISO-8601");
                return null;
            }

            var value = body[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : Text(name);
            if (value is null)
            {
                return null;
            }

            if (Timestamps.TryParse(value, out var ms))
            {
                return ms;
            }

            bad ??= new FieldError(ErrorCodes.InvalidValue, name, $"'{name}' must be a whole epoch number (s, ms, µs or ns) or ISO-8601");
            return null;
        }

        var policyText = Text("policy");
        var kindText = Text("kind");
        var start = Time("start_time");
        var end = Time("end_time");
        var dryRun = Flag("dry_run");
        var force = Flag("force");
        if (bad is { } error)
        {
            return (null, error);
        }

        var policy = (policyText ?? "ttl").ToLowerInvariant() switch
        {
            "ttl" => CleanupPolicy.Ttl,
            "size" => CleanupPolicy.Size,
            "manual" => CleanupPolicy.Manual,
            _ => (CleanupPolicy?)null,
        };
        if (policy is null)
        {
            return (null, new FieldError(ErrorCodes.InvalidValue, "policy", "'policy' must be ttl, size or manual"));
        }

        EventKind? kind = endpointKind;
        switch (kindText)
        {
            case null: break;
            case "all": kind = null; break;
            case "log": kind = EventKind.Log; break;
            case "traffic": kind = EventKind.Traffic; break;
            default: return (null, new FieldError(ErrorCodes.InvalidValue, "kind", "'kind' must be log, traffic or all"));
        }

        if (policy == CleanupPolicy.Manual && start is null && end is null)
        {
            return (null, new FieldError(ErrorCodes.MissingField, "start_time", "a manual cleanup needs a range: 'start_time', 'end_time' or both"));
        }

        if (start > end)
        {
            return (null, new FieldError(ErrorCodes.InvalidValue, "end_time", "'end_time' is before 'start_time'"));
        }

        return (new CleanupRequest { Policy = policy.Value, Kind = kind, StartMs = start, EndMs = end, DryRun = dryRun, Force = force }, default);
    }

    private static async Task StatsAsync(HttpContext context)
    {
        var store = context.RequestServices.GetRequiredService<EventStore>();
        var manifest = store.Catalog.Current;
        var hot = store.Hot;
        long hotEvents = 0, hotBytes = 0, hotTraffic = 0, hotOldest = long.MaxValue, hotNewest = long.MinValue;
        using (hot.EnterRead())
        {
            foreach (var chunk in hot.Chunks)
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
        }

        var root = new JsonObject
        {
            ["hot"] = new JsonObject
            {
                ["events"] = hotEvents,
                ["log"] = new JsonObject { ["events"] = hotEvents - hotTraffic },
                ["traffic"] = new JsonObject { ["events"] = hotTraffic },
                ["row_bytes"] = hotBytes,
                ["memory_bytes"] = hot.Bytes,
                ["chunks"] = hot.Chunks.Count,
                ["oldest_event"] = Time(hotOldest),
                ["newest_event"] = Time(hotNewest),
            },
            ["partitions"] = Tier(manifest, PartTier.Partitions),
            ["archive"] = Tier(manifest, PartTier.Archive),
            ["persisted_through_seq"] = manifest.PersistedThroughSeq,
            ["wal"] = new JsonObject { ["bytes"] = store.WalDiskBytes(), ["segments_trimmed"] = store.Wal.Stats.SegmentsTrimmed },
            ["last_cleanup"] = CleanupRecord.Read(context.RequestServices.GetRequiredService<DataDirectory>().Meta),
        };
        var all = manifest.Parts;
        root["oldest_event"] = Time(Math.Min(all.Count > 0 ? all.Min(p => p.MinTimestamp) : long.MaxValue, hotOldest));
        root["newest_event"] = Time(Math.Max(all.Count > 0 ? all.Max(p => p.MaxTimestamp) : long.MinValue, hotNewest));
        await QueryEndpoints.WriteJson(context, json => root.WriteTo(json));
    }

    private static JsonObject Tier(Manifest manifest, PartTier tier)
    {
        var result = new JsonObject();
        long rawTotal = 0, bytesTotal = 0;
        foreach (var kind in new[] { EventKind.Log, EventKind.Traffic })
        {
            var parts = manifest.Parts.Where(p => p.Tier == tier && p.Kind == kind).ToList();
            long events = parts.Sum(p => p.Rows), bytes = parts.Sum(p => p.Bytes), raw = parts.Sum(p => p.RawBytes);
            rawTotal += raw;
            bytesTotal += bytes;
            result[PartLayout.KindName(kind)] = new JsonObject
            {
                ["events"] = events,
                ["bytes"] = bytes,
                ["parts"] = parts.Count,
                ["hours"] = parts.Select(p => p.HourStart).Distinct().Count(),
                ["parts_awaiting_compaction"] = parts.Count(p => !p.IsCompacted),
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
