using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Redis.Kv;

namespace Sluice.Server.Kv;

/// <summary>
/// Reads the KV endpoints' parameters and bodies into the store's requests. Every field that is present must parse,
/// and a parameter or field the endpoint does not know is refused: a typo in <c>ttl</c> must not store a value for ever.
/// </summary>
internal static class KvRequests
{
    /// <summary>Key names that are paths of the API itself, so a value stored under them could not be read back with GET.</summary>
    private static readonly string[] EndpointNames = ["health", "stats", "sync", "cleanup", "batch"];

    internal static readonly string[] PutParameters = ["ttl", "cache_ttl", "redis_ttl", "mode"];

    /// <summary>Null when a client may write <paramref name="key"/>; else the error and status.</summary>
    public static (FieldError Error, int Status)? CheckWritable(string key, string field = "key")
    {
        if (KvKeys.IsReserved(key))
        {
            return (new FieldError(ErrorCodes.ReservedKey, field, $"keys starting with '{KvKeys.ReservedPrefix}' hold Sluice's own state and are changed through its own endpoints"), 403);
        }

        var first = key.Split('/', 2)[0];
        return EndpointNames.Contains(first, StringComparer.Ordinal)
            ? (new FieldError(ErrorCodes.InvalidParameter, field, $"'{first}' names an endpoint of the KV API, so a key cannot start with it"), 400)
            : null;
    }

    /// <summary>The write mode (<c>through</c>, <c>behind</c>); null when absent.</summary>
    public static bool TryMode(string? text, out KvWriteMode? mode)
    {
        mode = text switch
        {
            null => null,
            "through" => KvWriteMode.Through,
            "behind" => KvWriteMode.Behind,
            _ => (KvWriteMode)(-1),
        };
        return mode != (KvWriteMode)(-1);
    }

    /// <summary><c>PUT /api/kv/{key}?ttl&amp;cache_ttl&amp;redis_ttl&amp;mode</c>: the write without its value.</summary>
    public static FieldError? ReadPut(HttpRequest request, string key, out KvPut put, out KvWriteMode? mode)
    {
        put = new KvPut(key, ReadOnlyMemory<byte>.Empty, request.ContentType ?? "application/octet-stream");
        mode = null;
        foreach (var name in request.Query.Keys)
        {
            if (!PutParameters.Contains(name, StringComparer.Ordinal))
            {
                return new FieldError(ErrorCodes.InvalidParameter, name, $"'{name}' is not a parameter of a KV write (ttl, cache_ttl, redis_ttl, mode)");
            }
        }

        if (!TryMode(request.Query["mode"].FirstOrDefault(), out mode))
        {
            return new FieldError(ErrorCodes.InvalidParameter, "mode", "'mode' must be 'through' or 'behind'");
        }

        long? Duration(string name, ref FieldError? error)
        {
            if (request.Query[name].FirstOrDefault() is not { } text)
            {
                return null;
            }

            if (KvDuration.TryParse(text, out var ms))
            {
                return ms;
            }

            error ??= new FieldError(ErrorCodes.InvalidParameter, name, $"'{name}' must be {KvDuration.Expected}");
            return null;
        }

        FieldError? bad = null;
        put = put with { TtlMs = Duration("ttl", ref bad), CacheTtlMs = Duration("cache_ttl", ref bad), RedisTtlMs = Duration("redis_ttl", ref bad) };
        return bad;
    }

    /// <summary><c>{"keys":[…]}</c> of a batch read.</summary>
    public static (FieldError Error, int Status)? ReadKeys(JsonElement body, KvOptions options, string name, bool required, out List<string> keys)
    {
        keys = [];
        if (!body.TryGetProperty(name, out var array))
        {
            return required ? (new FieldError(ErrorCodes.MissingField, name, $"'{name}' must list the keys"), 400) : null;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            return (new FieldError(ErrorCodes.InvalidType, name, $"'{name}' must be an array of strings"), 400);
        }

        if (array.GetArrayLength() > options.MaxBatchKeys)
        {
            return (new FieldError(ErrorCodes.TooManyKeys, name, $"'{name}' lists {array.GetArrayLength()} keys; at most {options.MaxBatchKeys} (Kv:MaxBatchKeys)"), 413);
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var field = $"{name}[{index++}]";
            var key = item.ValueKind == JsonValueKind.String ? Text(item) : null;
            if (KvKeys.Check(key, options.MaxKeyBytes, field) is { } error)
            {
                return (error, 400);
            }

            keys.Add(key!);
        }

        return null;
    }

    /// <summary>
    /// One item of a batch write: <c>{"key","value","encoding":"json|text|base64","content_type","ttl","cache_ttl","redis_ttl"}</c>,
    /// the batch's own times to live filling in what the item leaves out.
    /// </summary>
    public static (FieldError Error, int Status)? ReadItem(JsonElement item, string at, KvPut defaults, KvOptions options, out KvPut put)
    {
        put = defaults;
        if (item.ValueKind != JsonValueKind.Object)
        {
            return (new FieldError(ErrorCodes.InvalidType, at, $"'{at}' must be an object with 'key' and 'value'"), 400);
        }

        string? key = null, encoding = null, contentType = null;
        JsonElement? value = null;
        foreach (var property in item.EnumerateObject())
        {
            var field = $"{at}.{property.Name}";
            switch (property.Name)
            {
                case "key" when property.Value.ValueKind == JsonValueKind.String:
                    key = Text(property.Value);
                    break;
                case "value":
                    value = property.Value;
                    break;
                case "encoding" when property.Value.ValueKind == JsonValueKind.String:
                    encoding = Text(property.Value);
                    break;
                case "content_type" when property.Value.ValueKind == JsonValueKind.String:
                    contentType = Text(property.Value);
                    break;
                case "ttl" or "cache_ttl" or "redis_ttl":
                    if (!KvDuration.TryParse(property.Value, out var ms))
                    {
                        return (new FieldError(ErrorCodes.InvalidParameter, field, $"'{field}' must be {KvDuration.Expected}"), 400);
                    }

                    put = property.Name switch
                    {
                        "ttl" => put with { TtlMs = ms },
                        "cache_ttl" => put with { CacheTtlMs = ms },
                        _ => put with { RedisTtlMs = ms },
                    };
                    break;
                case "key" or "encoding" or "content_type":
                    return (new FieldError(ErrorCodes.InvalidType, field, $"'{field}' must be a string"), 400);
                default:
                    return (new FieldError(ErrorCodes.InvalidParameter, field, $"'{field}' is not a field of a KV item (key, value, encoding, content_type, ttl, cache_ttl, redis_ttl)"), 400);
            }
        }

        if (KvKeys.Check(key, options.MaxKeyBytes, at + ".key") is { } keyError)
        {
            return (keyError, 400);
        }

        if (CheckWritable(key!, at + ".key") is { } refused)
        {
            return refused;
        }

        if (value is not { } v)
        {
            return (new FieldError(ErrorCodes.MissingField, at + ".value", $"'{at}.value' is missing"), 400);
        }

        byte[]? bytes = null;
        switch (encoding ?? "json")
        {
            case "json":
                bytes = Encoding.UTF8.GetBytes(v.GetRawText());
                contentType ??= "application/json";
                break;
            case "text":
                bytes = v.ValueKind == JsonValueKind.String && Text(v) is { } text ? Encoding.UTF8.GetBytes(text) : null;
                contentType ??= "text/plain; charset=utf-8";
                break;
            case "base64":
                bytes = v.ValueKind == JsonValueKind.String && v.TryGetBytesFromBase64(out var decoded) ? decoded : null;
                contentType ??= "application/octet-stream";
                break;
            default:
                return (new FieldError(ErrorCodes.InvalidParameter, at + ".encoding", $"'{at}.encoding' must be json, text or base64"), 400);
        }

        if (bytes is null)
        {
            return (new FieldError(ErrorCodes.InvalidValue, at + ".value", $"'{at}.value' must be a string of {encoding}"), 400);
        }

        put = put with { Key = key!, Value = bytes, ContentType = contentType };
        return put.Check(options, at + ".") is { } limit ? limit : null;
    }

    /// <summary>The batch-level times to live and mode of a batch write.</summary>
    public static FieldError? ReadBatchDefaults(JsonElement body, out KvPut defaults, out KvWriteMode? mode)
    {
        defaults = new KvPut("", ReadOnlyMemory<byte>.Empty, "");
        mode = null;
        foreach (var property in body.EnumerateObject())
        {
            switch (property.Name)
            {
                case "items":
                    break;
                case "mode":
                    if (property.Value.ValueKind != JsonValueKind.String || !TryMode(Text(property.Value), out mode) || mode is null)
                    {
                        return new FieldError(ErrorCodes.InvalidParameter, "mode", "'mode' must be 'through' or 'behind'");
                    }

                    break;
                case "ttl" or "cache_ttl" or "redis_ttl":
                    if (!KvDuration.TryParse(property.Value, out var ms))
                    {
                        return new FieldError(ErrorCodes.InvalidParameter, property.Name, $"'{property.Name}' must be {KvDuration.Expected}");
                    }

                    defaults = property.Name switch
                    {
                        "ttl" => defaults with { TtlMs = ms },
                        "cache_ttl" => defaults with { CacheTtlMs = ms },
                        _ => defaults with { RedisTtlMs = ms },
                    };
                    break;
                default:
                    return new FieldError(ErrorCodes.InvalidParameter, property.Name, $"'{property.Name}' is not a field of a batch write (items, mode, ttl, cache_ttl, redis_ttl)");
            }
        }

        return body.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? null
            : new FieldError(ErrorCodes.MissingField, "items", "'items' must be an array of {key, value} objects");
    }

    /// <summary><c>{"policy","dry_run","keys","max_bytes","max_keys","idle_seconds"}</c> of a cleanup.</summary>
    public static (FieldError Error, int Status)? ReadCleanup(JsonElement body, KvOptions options, out KvCleanupRequest request)
    {
        request = new KvCleanupRequest(KvCleanupPolicy.Ttl, false);
        KvCleanupPolicy? policy = null;
        bool dryRun = false;
        long? maxBytes = null, idleMs = null;
        int? maxKeys = null;
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "policy":
                    policy = value.ValueKind == JsonValueKind.String ? Text(value) switch
                    {
                        "ttl" => KvCleanupPolicy.Ttl,
                        "lru" => KvCleanupPolicy.Lru,
                        "size" => KvCleanupPolicy.Size,
                        "manual" => KvCleanupPolicy.Manual,
                        _ => null,
                    } : null;
                    if (policy is null)
                    {
                        return Bad("policy", "'policy' must be ttl, lru, size or manual");
                    }

                    break;
                case "dry_run":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        return (new FieldError(ErrorCodes.InvalidType, "dry_run", "'dry_run' must be true or false"), 400);
                    }

                    dryRun = value.GetBoolean();
                    break;
                case "max_bytes":
                    if (!value.TryGetInt64(out var bytes) || bytes < 0)
                    {
                        return Bad("max_bytes", "'max_bytes' must be a whole number of bytes, 0 or more");
                    }

                    maxBytes = bytes;
                    break;
                case "max_keys":
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var keys) || keys < 0)
                    {
                        return Bad("max_keys", "'max_keys' must be a whole number of keys, 0 or more");
                    }

                    maxKeys = keys;
                    break;
                case "idle_seconds":
                    if (!KvDuration.TryParse(value, out var idle))
                    {
                        return Bad("idle_seconds", $"'idle_seconds' must be {KvDuration.Expected}");
                    }

                    idleMs = idle;
                    break;
                case "keys":
                    break;
                default:
                    return Bad(property.Name, $"'{property.Name}' is not a field of a KV cleanup (policy, dry_run, keys, max_bytes, max_keys, idle_seconds)");
            }
        }

        if (policy is null)
        {
            return (new FieldError(ErrorCodes.MissingField, "policy", "'policy' is required: ttl, lru, size or manual"), 400);
        }

        if (ReadKeys(body, options, "keys", required: policy == KvCleanupPolicy.Manual, out var named) is { } keyError)
        {
            return keyError;
        }

        if (policy == KvCleanupPolicy.Manual && named.Count == 0)
        {
            return Bad("keys", "a manual cleanup must name at least one key in 'keys'");
        }

        if (policy == KvCleanupPolicy.Lru && maxKeys is null && idleMs is null)
        {
            return (new FieldError(ErrorCodes.MissingField, "max_keys", "an lru cleanup needs 'max_keys' (keep at most this many) or 'idle_seconds' (remove keys unused this long)"), 400);
        }

        request = new KvCleanupRequest(policy.Value, dryRun) { Keys = named, MaxBytes = maxBytes, MaxKeys = maxKeys, IdleMs = idleMs };
        return null;
    }

    /// <summary>The string, or null for one holding a lone surrogate escape (valid JSON, but no text).</summary>
    private static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static (FieldError, int) Bad(string field, string message) => (new FieldError(ErrorCodes.InvalidParameter, field, message), 400);
}
