using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Redis.Kv;
using Sluice.Server.Http;
using Sluice.Server.Kv;

namespace Sluice.Server.Endpoints;

/// <summary>
/// Seed 002's data-access API over the KV store (docs/api.md, "KV store"): values by key with a time to live per
/// tier, batches, health, synchronisation, cleanup and stats. Reads need <c>read</c>; writes, deletions, sync and
/// cleanup need <c>admin</c>, since other users and Sluice itself read what is stored.
/// </summary>
internal static class KvEndpoints
{
    public static IEndpointRouteBuilder MapKv(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/kv/health", (KvMonitor monitor, HttpContext context) => QueryEndpoints.WriteJson(context, monitor.WriteHealth)).RequireScope(ApiScope.Read);
        app.MapGet("/api/kv/stats", (KvMonitor monitor, HttpContext context) => QueryEndpoints.WriteJson(context, monitor.WriteStats)).RequireScope(ApiScope.Read);
        app.MapPost("/api/kv/sync", SyncAsync).RequireScope(ApiScope.Admin);
        app.MapPost("/api/kv/cleanup", CleanupAsync).RequireScope(ApiScope.Admin);
        app.MapPost("/api/kv/batch/get", BatchGetAsync).RequireScope(ApiScope.Read);
        app.MapPost("/api/kv/batch/set", BatchSetAsync).RequireScope(ApiScope.Admin);
        app.MapGet("/api/kv/{**key}", GetAsync).RequireScope(ApiScope.Read);
        app.MapPut("/api/kv/{**key}", PutAsync).RequireScope(ApiScope.Admin).AcceptsQuery(KvRequests.PutParameters);
        app.MapDelete("/api/kv/{**key}", DeleteAsync).RequireScope(ApiScope.Admin).AcceptsQuery("mode");
        return app;
    }

    private static async Task GetAsync(HttpContext context, string key, KvStore store)
    {
        if (KvKeys.Check(key, store.Options.MaxKeyBytes) is { } error)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var read = await store.GetAsync(key);
        if (!read.Found || KvCodec.Decode(read.Entry!) is not { } value)
        {
            await Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no value has key '{key}'", "key");
            return;
        }

        var entry = read.Entry!;
        var headers = context.Response.Headers;
        headers["X-Sluice-Kv-Tier"] = KvJson.Name(read.Tier);
        headers["X-Sluice-Kv-Version"] = entry.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers.ETag = $"\"{entry.Version}\"";
        if (entry.ExpiresAtMs != 0)
        {
            headers["X-Sluice-Kv-Expires-At"] = entry.ExpiresAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.ContentType = entry.ContentType;
        context.Response.ContentLength = value.Length;
        await context.Response.Body.WriteAsync(value, context.RequestAborted);
    }

    private static async Task PutAsync(HttpContext context, string key, KvStore store, ILoggerFactory logs)
    {
        if (KvKeys.Check(key, store.Options.MaxKeyBytes) is { } keyError)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, keyError);
            return;
        }

        if (KvRequests.CheckWritable(key) is { } refused)
        {
            await Problem.WriteAsync(context, refused.Status, refused.Error);
            return;
        }

        if (KvRequests.ReadPut(context.Request, key, out var put, out var mode) is { } parameterError)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, parameterError);
            return;
        }

        var (body, readError, status) = await RequestBody.ReadAsync(context.Request, store.Options.MaxValueBytes, context.RequestAborted);
        if (body is null)
        {
            await Problem.WriteAsync(context, status, status == StatusCodes.Status413PayloadTooLarge
                ? new FieldError(ErrorCodes.ValueTooLarge, "value", $"the value is larger than {store.Options.MaxValueBytes} bytes (Kv:MaxValueBytes)")
                : readError);
            return;
        }

        using (body)
        {
            put = put with { Value = body.Memory };
            if (put.Check(store.Options) is { } limit)
            {
                await Problem.WriteAsync(context, limit.Status, limit.Error);
                return;
            }

            await WriteAsync(context, () => store.PutAsync(put, mode ?? store.Options.WriteMode), logs);
        }
    }

    private static async Task DeleteAsync(HttpContext context, string key, KvStore store, ILoggerFactory logs)
    {
        if (KvKeys.Check(key, store.Options.MaxKeyBytes) is { } keyError)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, keyError);
            return;
        }

        if (KvRequests.CheckWritable(key) is { } refused)
        {
            await Problem.WriteAsync(context, refused.Status, refused.Error);
            return;
        }

        if (!KvRequests.TryMode(context.Request.Query["mode"].FirstOrDefault(), out var mode))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidParameter, "'mode' must be 'through' or 'behind'", "mode");
            return;
        }

        await WriteAsync(context, () => store.DeleteAsync(key, mode ?? store.Options.WriteMode), logs);
    }

    private static async Task BatchGetAsync(HttpContext context, KvStore store)
    {
        if (await ReadBodyAsync(context, store.Options) is not { } body)
        {
            return;
        }

        foreach (var property in body.EnumerateObject())
        {
            if (property.Name != "keys")
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidParameter, $"'{property.Name}' is not a field of a batch read (keys)", property.Name);
                return;
            }
        }

        if (KvRequests.ReadKeys(body, store.Options, "keys", required: true, out var keys) is { } error)
        {
            await Problem.WriteAsync(context, error.Status, error.Error);
            return;
        }

        var reads = await store.GetManyAsync(keys);
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("found", reads.Count(r => r.Found));
            json.WriteStartArray("items");
            foreach (var read in reads)
            {
                KvJson.WriteRead(json, read);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// Checks every item first, then writes the good ones (four at a time; one key at most once per batch), and
    /// answers what was stored and what was refused, by index, as a batch of events does.
    /// </summary>
    private static async Task BatchSetAsync(HttpContext context, KvStore store, ILoggerFactory logs)
    {
        if (await ReadBodyAsync(context, store.Options) is not { } body)
        {
            return;
        }

        if (KvRequests.ReadBatchDefaults(body, out var defaults, out var mode) is { } error)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var items = body.GetProperty("items");
        if (items.GetArrayLength() > store.Options.MaxBatchKeys)
        {
            await Problem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.TooManyKeys,
                $"'items' holds {items.GetArrayLength()} items; at most {store.Options.MaxBatchKeys} (Kv:MaxBatchKeys)", "items");
            return;
        }

        var puts = new List<(int Index, KvPut Put)>();
        var rejected = new List<Rejection>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var at = $"items[{index}]";
            if (KvRequests.ReadItem(item, at, defaults, store.Options, out var put) is { } bad)
            {
                rejected.Add(new Rejection(index, bad.Error));
            }
            else if (seen.TryGetValue(put.Key, out var first))
            {
                rejected.Add(new Rejection(index, new FieldError(ErrorCodes.InvalidValue, at + ".key", $"'{at}.key' repeats the key of items[{first}]; a batch writes each key once")));
            }
            else
            {
                seen[put.Key] = index;
                puts.Add((index, put));
            }

            index++;
        }

        var written = new KvWrite[puts.Count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, puts.Count), new ParallelOptions { MaxDegreeOfParallelism = 4 },
                async (i, _) => written[i] = await store.PutAsync(puts[i].Put, mode ?? store.Options.WriteMode));
        }
        catch (IOException e)
        {
            await StorageFailedAsync(context, e, logs);
            return;
        }

        rejected.AddRange(puts.Select((p, i) => (p.Index, written[i])).Where(w => w.Item2.Error is not null).Select(w => new Rejection(w.Index, w.Item2.Error!.Value)));
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("stored", written.Count(w => w.Error is null));
            json.WriteStartArray("items");
            for (var i = 0; i < puts.Count; i++)
            {
                if (written[i].Error is null)
                {
                    json.WriteStartObject();
                    json.WriteNumber("index", puts[i].Index);
                    json.WriteString("key", puts[i].Put.Key);
                    json.WriteNumber("version", written[i].Entry!.Version);
                    json.WriteString("redis", KvJson.Name(written[i].Redis));
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            Problem.WriteRejections(json, [.. rejected.OrderBy(r => r.Index)]);
            json.WriteEndObject();
        });
    }

    private static async Task SyncAsync(HttpContext context, KvStore store, KvSync sync, ILoggerFactory logs)
    {
        if (store.Redis is not null)
        {
            await sync.ProbeAsync();
        }

        KvSyncReport report;
        try
        {
            report = await sync.SyncAsync("api");
        }
        catch (IOException e)
        {
            await StorageFailedAsync(context, e, logs);
            return;
        }

        if (store.Redis is not null && report.Error is not null)
        {
            context.Response.Headers.RetryAfter = "5";
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.RedisUnavailable,
                $"the synchronisation could not reach Redis ({report.Error}); {store.Backlog.Count} keys wait in the backlog and are written once it answers");
            return;
        }

        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("success", true);
            json.WriteString("redis", store.Redis is null ? "not_configured" : "ok");
            json.WriteNumber("backlog", store.Backlog.Count);
            json.WritePropertyName("sync");
            KvJson.WriteSync(json, report);
            json.WriteEndObject();
        });
    }

    private static async Task CleanupAsync(HttpContext context, KvStore store, ILoggerFactory logs)
    {
        if (await ReadBodyAsync(context, store.Options) is not { } body)
        {
            return;
        }

        if (KvRequests.ReadCleanup(body, store.Options, out var request) is { } error)
        {
            await Problem.WriteAsync(context, error.Status, error.Error);
            return;
        }

        KvCleanupReport report;
        try
        {
            report = await KvCleanup.RunAsync(store, request, store.Options.WriteMode);
        }
        catch (IOException e)
        {
            await StorageFailedAsync(context, e, logs);
            return;
        }

        await QueryEndpoints.WriteJson(context, json => KvJson.WriteCleanup(json, report));
    }

    private static async Task WriteAsync(HttpContext context, Func<Task<KvWrite>> write, ILoggerFactory logs)
    {
        KvWrite result;
        try
        {
            result = await write();
        }
        catch (IOException e)
        {
            await StorageFailedAsync(context, e, logs);
            return;
        }

        if (result.Error is { } error)
        {
            await Problem.WriteAsync(context, result.Status, error);
            return;
        }

        await QueryEndpoints.WriteJson(context, json => KvJson.WriteWrite(json, result));
    }

    /// <summary>The durable tier could not write (a full or failing disk): nothing was acknowledged.</summary>
    private static Task StorageFailedAsync(HttpContext context, IOException e, ILoggerFactory logs)
    {
        logs.CreateLogger("Sluice.Kv").LogWarning(e, "KV write failed");
        var full = IoFailure.IsDiskFull(e);
        context.Response.Headers.RetryAfter = "10";
        return Problem.WriteAsync(context, full ? StatusCodes.Status507InsufficientStorage : StatusCodes.Status503ServiceUnavailable,
            full ? ErrorCodes.StorageFull : ErrorCodes.StorageUnavailable, $"the durable tier could not write: {IoFailure.Describe(e)}; nothing was stored");
    }

    /// <summary>A batch or cleanup body (at most <c>Kv:MaxBatchMb</c>) as a JSON object, or null once a problem was answered.</summary>
    private static async Task<JsonElement?> ReadBodyAsync(HttpContext context, KvOptions options)
    {
        var (raw, error, status) = await RequestBody.ReadAsync(context.Request, options.MaxBatchMb * 1024 * 1024, context.RequestAborted);
        if (raw is null)
        {
            await Problem.WriteAsync(context, status, error);
            return null;
        }

        using (raw)
        {
            try
            {
                using var document = JsonDocument.Parse(raw.Length == 0 ? "{}"u8.ToArray() : raw.Memory);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return document.RootElement.Clone();
                }
            }
            catch (JsonException e)
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, Sluice.Ingest.Json.JsonErrorText.Error(raw.Span, e, 64, "the body is not valid JSON: "));
                return null;
            }

            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.ExpectedObject, "the body must be a JSON object");
            return null;
        }
    }
}
