using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;
using Sluice.Core.IO;
using Sluice.Redis.Kv;

namespace Sluice.Server.Dashboard;

/// <summary>
/// What the dashboard keeps for its users (seed 003's dashboard config): saved searches, charts pinned to the
/// overview, saved formulas and the refresh interval. Kept in the KV store under <see cref="Key"/>, replaced whole,
/// so it survives restarts and follows a user across nodes that share a Redis (within <c>Kv:CacheTtlSeconds</c>).
/// A <c>meta/dashboard.json</c> of an earlier version is taken into the store once and renamed
/// <c>dashboard.json.migrated</c>.
/// </summary>
internal sealed class DashboardConfig(KvStore store, DataDirectory data, ILogger<DashboardConfig> logger)
{
    public const string Key = KvKeys.ReservedPrefix + "dashboard:config";

    private const int MaxItems = 200;
    private const int MaxText = 4_000;

    /// <summary>The lists, each item's text fields, in the order they are written.</summary>
    private static readonly (string List, string[] Fields)[] Lists =
    [
        ("saved_searches", ["name", "query"]),
        ("pinned_charts", ["name", "query"]),
        ("saved_formulas", ["name", "formula"]),
    ];

    private readonly SemaphoreSlim _migration = new(1, 1);
    private volatile bool _migrated;

    /// <summary>The stored config, or the empty one.</summary>
    public async Task<byte[]> ReadAsync()
    {
        await MigrateAsync();
        var read = await store.GetAsync(Key);
        return read.Found && KvCodec.Decode(read.Entry!) is { } stored ? stored : Write(JsonDocument.Parse("{}").RootElement);
    }

    /// <summary>Checks <paramref name="body"/> and stores it; the error names the first field that is wrong.</summary>
    public async Task<(FieldError? Error, byte[] Stored)> ReplaceAsync(JsonElement body)
    {
        if (Check(body) is { } error)
        {
            return (error, []);
        }

        await MigrateAsync();
        var stored = Write(body);
        await StoreAsync(stored);
        return (null, stored);
    }

    private async Task StoreAsync(byte[] config)
    {
        var written = await store.PutAsync(new KvPut(Key, config, "application/json"), store.Options.WriteMode);
        if (written.Error is { } error)
        {
            throw new IOException($"the dashboard config could not be stored: {error.Message}");
        }
    }

    /// <summary>Takes a <c>meta/dashboard.json</c> of an earlier version into the store, unless the store (or another node through Redis) already has a config.</summary>
    private async Task MigrateAsync()
    {
        if (_migrated)
        {
            return;
        }

        await _migration.WaitAsync();
        try
        {
            var legacy = Path.Combine(data.Meta, "dashboard.json");
            if (!_migrated && File.Exists(legacy))
            {
                if (!(await store.GetAsync(Key, repair: false)).Found)
                {
                    var bytes = await File.ReadAllBytesAsync(legacy);
                    using var document = JsonDocument.Parse(bytes);
                    await StoreAsync(Check(document.RootElement) is null ? Write(document.RootElement) : bytes);
                    logger.LogInformation("The dashboard config moved from meta/dashboard.json into the KV store ({Key})", Key);
                }

                File.Move(legacy, legacy + ".migrated", overwrite: true);
            }

            _migrated = true;
        }
        finally
        {
            _migration.Release();
        }
    }

    private static FieldError? Check(JsonElement body)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (property.NameEquals("refresh_seconds"))
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var seconds) || seconds is < 0 or > 86_400)
                {
                    return Bad("refresh_seconds", "'refresh_seconds' must be a whole number of seconds, 0 (off) to 86400");
                }

                continue;
            }

            var list = Array.Find(Lists, l => property.NameEquals(l.List));
            if (list.List is null)
            {
                var name = Text(property) ?? "(a name that is not text)";
                return Bad(name, $"'{name}' is not part of the dashboard config (saved_searches, pinned_charts, saved_formulas, refresh_seconds)");
            }

            if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() > MaxItems)
            {
                return Bad(list.List, $"'{list.List}' must be an array of at most {MaxItems} items");
            }

            var index = 0;
            foreach (var item in property.Value.EnumerateArray())
            {
                var where = $"{list.List}[{index}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    return Bad(where, $"'{where}' must be an object with {string.Join(" and ", list.Fields)}");
                }

                foreach (var field in list.Fields)
                {
                    if (!item.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String
                        || Text(value) is not { Length: > 0 and <= MaxText } text || text.Contains('\0'))
                    {
                        return Bad($"{where}.{field}", $"'{where}.{field}' must be text of 1 to {MaxText} characters");
                    }
                }

                index++;
            }
        }

        return null;
    }

    /// <summary>The config as stored: only the known fields, every list present.</summary>
    private static byte[] Write(JsonElement body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (list, fields) in Lists)
            {
                json.WriteStartArray(list);
                if (body.TryGetProperty(list, out var items))
                {
                    foreach (var item in items.EnumerateArray())
                    {
                        json.WriteStartObject();
                        foreach (var field in fields)
                        {
                            json.WriteString(field, item.GetProperty(field).GetString());
                        }

                        json.WriteEndObject();
                    }
                }

                json.WriteEndArray();
            }

            json.WriteNumber("refresh_seconds", body.TryGetProperty("refresh_seconds", out var refresh) ? refresh.GetInt32() : 0);
            json.WriteEndObject();
        }

        return buffer.ToArray();
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

    private static string? Text(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static FieldError Bad(string field, string message) => new(ErrorCodes.InvalidParameter, field, message);
}
