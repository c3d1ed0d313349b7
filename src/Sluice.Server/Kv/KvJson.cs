using System.Text;
using System.Text.Json;
using Sluice.Redis.Kv;

namespace Sluice.Server.Kv;

/// <summary>The KV endpoints' JSON answers (docs/api.md, "KV store").</summary>
internal static class KvJson
{
    /// <summary>At most this many keys are listed in a cleanup report; the totals count them all.</summary>
    public const int MaxListed = 1_000;

    public static string Name(KvTier tier) => tier switch
    {
        KvTier.Cache => "cache",
        KvTier.Redis => "redis",
        KvTier.Durable => "durable",
        _ => "none",
    };

    public static string Name(RedisOutcome outcome) => outcome switch
    {
        RedisOutcome.NotConfigured => "not_configured",
        RedisOutcome.Written => "written",
        RedisOutcome.Newer => "newer",
        RedisOutcome.Queued => "queued",
        RedisOutcome.Unavailable => "unavailable",
        _ => "skipped",
    };

    /// <summary>One key of a batch read: its value as JSON (<c>encoding</c> json), text, or base64.</summary>
    public static void WriteRead(Utf8JsonWriter json, KvRead read)
    {
        json.WriteStartObject();
        json.WriteString("key", read.Key);
        var value = read.Found ? KvCodec.Decode(read.Entry!) : null;
        json.WriteBoolean("found", value is not null);
        if (value is not null)
        {
            var entry = read.Entry!;
            json.WriteString("tier", Name(read.Tier));
            json.WriteNumber("version", entry.Version);
            json.WriteString("content_type", entry.ContentType);
            json.WriteNumber("bytes", value.Length);
            json.WriteNumber("updated_at_ms", entry.UpdatedMs);
            if (entry.ExpiresAtMs != 0)
            {
                json.WriteNumber("expires_at_ms", entry.ExpiresAtMs);
            }

            if (IsJson(entry.ContentType) && IsValidJson(value))
            {
                json.WriteString("encoding", "json");
                json.WritePropertyName("value");
                json.WriteRawValue(value, skipInputValidation: true);
            }
            else if (entry.ContentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) && IsUtf8(value))
            {
                json.WriteString("encoding", "text");
                json.WriteString("value", Encoding.UTF8.GetString(value));
            }
            else
            {
                json.WriteString("encoding", "base64");
                json.WriteBase64String("value", value);
            }
        }

        json.WriteEndObject();
    }

    /// <summary>What a write did: its version, sizes, and where the value is now.</summary>
    public static void WriteWrite(Utf8JsonWriter json, KvWrite write)
    {
        var entry = write.Entry!;
        json.WriteStartObject();
        json.WriteString("key", entry.Key);
        json.WriteNumber("version", entry.Version);
        if (entry.IsTombstone)
        {
            json.WriteBoolean("deleted", true);
        }
        else
        {
            json.WriteNumber("bytes", entry.RawLength);
            json.WriteNumber("stored_bytes", entry.Stored.Length);
            json.WriteBoolean("compressed", (entry.Flags & KvFlags.Zstd) != 0);
            if (entry.ExpiresAtMs != 0)
            {
                json.WriteNumber("expires_at_ms", entry.ExpiresAtMs);
            }
        }

        json.WriteStartArray("tiers");
        if (entry.CacheTtlMs > 0)
        {
            json.WriteStringValue("cache");
        }

        if (write.Redis is RedisOutcome.Written or RedisOutcome.Newer)
        {
            json.WriteStringValue("redis");
        }

        json.WriteStringValue("durable");
        json.WriteEndArray();
        json.WriteString("redis", Name(write.Redis));
        json.WriteEndObject();
    }

    public static void WriteCleanup(Utf8JsonWriter json, KvCleanupReport report)
    {
        json.WriteStartObject();
        json.WriteBoolean("success", true);
        json.WriteString("policy", report.Policy.ToString().ToLowerInvariant());
        json.WriteBoolean("dry_run", report.DryRun);
        json.WriteNumber("timestamp", report.TimestampMs);
        json.WriteNumber("duration_ms", report.DurationMs);
        json.WriteNumber("keys_removed", report.Items.Count);
        json.WriteNumber("bytes_freed", report.BytesFreed);
        json.WriteBoolean("truncated", report.Items.Count > MaxListed || report.Skipped.Count > MaxListed);
        WriteItems(json, "items", report.Items);
        WriteItems(json, "skipped", report.Skipped);
        json.WriteEndObject();
    }

    public static void WriteSync(Utf8JsonWriter json, KvSyncReport report)
    {
        json.WriteStartObject();
        json.WriteString("trigger", report.Trigger);
        json.WriteNumber("at_ms", report.AtMs);
        json.WriteNumber("duration_ms", report.DurationMs);
        json.WriteNumber("flushed", report.Flushed);
        json.WriteNumber("checked", report.Checked);
        json.WriteNumber("pushed", report.Pushed);
        json.WriteNumber("pulled", report.Pulled);
        json.WriteNumber("expired_removed", report.Expired);
        if (report.RedisKeys is { } keys)
        {
            json.WriteNumber("redis_keys", keys);
            json.WriteNumber("redis_bytes", report.RedisBytes ?? 0);
            json.WriteBoolean("redis_count_complete", report.RedisCountComplete);
        }

        if (report.Error is { } error)
        {
            json.WriteString("error", error);
        }

        json.WriteEndObject();
    }

    private static void WriteItems(Utf8JsonWriter json, string name, IReadOnlyList<KvCleanupItem> items)
    {
        json.WriteStartArray(name);
        foreach (var item in items.Take(MaxListed))
        {
            json.WriteStartObject();
            json.WriteString("key", item.Key);
            json.WriteNumber("bytes", item.Bytes);
            json.WriteString("reason", item.Reason);
            json.WriteString("action", item.Action);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Split(';')[0].EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static bool IsValidJson(byte[] value)
    {
        try
        {
            var reader = new Utf8JsonReader(value);
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read(); // one value, nothing after it
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsUtf8(byte[] value) => System.Text.Unicode.Utf8.IsValid(value);
}
