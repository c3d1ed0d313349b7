using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Server.Configuration;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>
/// The settings in force and their runtime layer (admin scope): read them with their origins, change the reloadable
/// ones (all or nothing, audited), list the audit trail, roll back to a version, and see whether the last reload of
/// each consumer worked. Secret values never leave the server (<see cref="SecretSettings"/>).
/// </summary>
internal static class ConfigEndpoints
{
    private const int MaxReasonChars = 1_000;
    private const int MaxHistory = 1_000;

    public static IEndpointRouteBuilder MapConfig(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/config/settings", GetSettingsAsync).RequireScope(ApiScope.Admin).AcceptsQuery("key");
        app.MapPost("/api/v1/config/settings", PostSettingsAsync).RequireScope(ApiScope.Admin);
        app.MapGet("/api/v1/config/history", GetHistoryAsync).RequireScope(ApiScope.Admin);
        app.MapPost("/api/v1/config/rollback", RollbackAsync).RequireScope(ApiScope.Admin);
        app.MapGet("/api/v1/config/health", GetHealthAsync).RequireScope(ApiScope.Admin);
        return app;
    }

    private static async Task GetSettingsAsync(HttpContext context)
    {
        string? only = null;
        if (context.Request.Query["key"] is { Count: > 0 } asked)
        {
            if (!FlatSettings.TryCanonical(asked[0] ?? "", out var canonical))
            {
                await Problem.WriteAsync(context, 404, ErrorCodes.UnknownSetting, $"'{asked[0]}' is not a setting (docs/configuration.md lists them)", "key");
                return;
            }

            only = canonical;
        }

        var live = context.RequestServices.GetRequiredService<LiveSettings>();
        var readPath = context.RequestServices.GetService<ReadPathSwitch>();
        var (options, layers, version) = (live.Current, live.Layers, live.Version);
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("version", version);
            json.WriteStartObject("settings");
            foreach (var (key, value) in FlatSettings.Flatten(options).Where(e => only is null || e.Key == only))
            {
                json.WriteStartObject(key);
                if (SecretSettings.Mask(key, value) is { } shown)
                {
                    json.WriteString("value", shown);
                }
                else
                {
                    json.WriteNull("value");
                }

                json.WriteString("origin", layers.OriginOf(key));
                json.WriteBoolean("reloadable", ReloadableSettings.ConsumerOf(key) is not null);
                json.WriteBoolean("secret", SecretSettings.IsSecret(key));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartObject("features");
            json.WriteBoolean("patterns", options.Features.Patterns);
            json.WriteBoolean("tail", options.Features.Tail);
            json.WriteBoolean("alerts", options.Features.Alerts);
            // The read path keeps its own switch (PUT /api/admin/features); shown here so every flag is in one map.
            json.WriteString("reads", readPath?.Reads == ReadPath.ClickHouse ? "clickhouse" : "local");
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    private static async Task PostSettingsAsync(HttpContext context)
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var (ok, reason, expected) = await TryCommonAsync(context, body);
        if (!ok)
        {
            return;
        }

        if (!body.TryGetProperty("settings", out var settings) || settings.ValueKind != JsonValueKind.Object)
        {
            await Problem.WriteAsync(context, 400, settings.ValueKind == JsonValueKind.Undefined ? ErrorCodes.MissingField : ErrorCodes.InvalidType,
                "'settings' must be an object of \"Section:Key\": value (null removes the runtime value)", "settings");
            return;
        }

        var changes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in settings.EnumerateObject())
        {
            var value = property.Value;
            string? text;
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    text = null;
                    break;
                case JsonValueKind.String:
                    text = value.GetString();
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    text = value.GetBoolean() ? "true" : "false";
                    break;
                case JsonValueKind.Number:
                    text = value.GetRawText();
                    break;
                default:
                    await Problem.WriteAsync(context, 400, ErrorCodes.InvalidType, $"'{property.Name}' must be a string, number, boolean or null", property.Name);
                    return;
            }

            changes[property.Name] = text;
        }

        if (changes.Count == 0)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.MissingField, "'settings' names no setting", "settings");
            return;
        }

        var live = context.RequestServices.GetRequiredService<LiveSettings>();
        await AnswerChangeAsync(context, live, live.Change(changes, Who(context), reason, expected));
    }

    private static async Task RollbackAsync(HttpContext context)
    {
        if (await JsonBody.ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var (ok, reason, expected) = await TryCommonAsync(context, body);
        if (!ok)
        {
            return;
        }

        if (!body.TryGetProperty("version", out var versionElement) || !versionElement.TryGetInt64(out var version) || version < 0)
        {
            await Problem.WriteAsync(context, 400, versionElement.ValueKind == JsonValueKind.Undefined ? ErrorCodes.MissingField : ErrorCodes.InvalidValue,
                "'version' must be the number of a version (0: no runtime settings)", "version");
            return;
        }

        var live = context.RequestServices.GetRequiredService<LiveSettings>();
        if (live.Store.SettingsOf(version) is not { } target)
        {
            await Problem.WriteAsync(context, 404, ErrorCodes.UnknownVersion, $"there is no version {version} (the current one is {live.Version})", "version");
            return;
        }

        await AnswerChangeAsync(context, live, live.Change(target, Who(context), reason ?? $"rollback to version {version}", expected, rollbackOf: version));
    }

    private static Task GetHistoryAsync(HttpContext context)
    {
        var live = context.RequestServices.GetRequiredService<LiveSettings>();
        var history = live.Store.History;
        var version = live.Version;
        return QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("version", version);
            json.WriteStartArray("history");
            for (var i = history.Count - 1; i >= Math.Max(0, history.Count - MaxHistory); i--)
            {
                WriteRecord(json, history[i]);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static Task GetHealthAsync(HttpContext context)
    {
        var live = context.RequestServices.GetRequiredService<LiveSettings>();
        var reloads = live.LastReloads;
        var problem = live.Store.LoadProblem;
        return QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteBoolean("healthy", problem is null && reloads.All(r => r.Ok));
            json.WriteNumber("version", live.Version);
            json.WriteBoolean("runtime_loaded", problem is null);
            if (problem is not null)
            {
                json.WriteString("problem", problem);
            }

            json.WriteNumber("runtime_settings", live.Store.Settings.Count);
            json.WriteStartArray("reloads");
            foreach (var r in reloads)
            {
                json.WriteStartObject();
                json.WriteString("consumer", r.Consumer);
                json.WriteNumber("version", r.Version);
                json.WriteString("at", FormatTime(r.AtMs));
                json.WriteBoolean("ok", r.Ok);
                if (r.Error is not null)
                {
                    json.WriteString("error", r.Error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>Reads <c>reason</c> and <c>expectedVersion</c>, shared by changes and rollbacks; false once a problem is answered.</summary>
    private static async Task<(bool Ok, string? Reason, long? Expected)> TryCommonAsync(HttpContext context, JsonElement body)
    {
        if (!JsonBody.TryString(body, "reason", out var reason, out var error))
        {
            await Problem.WriteAsync(context, 400, error);
            return (false, null, null);
        }

        if (reason is { Length: > MaxReasonChars })
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.FieldTooLong, $"'reason' is longer than {MaxReasonChars} characters", "reason");
            return (false, null, null);
        }

        long? expected = null;
        if (body.TryGetProperty("expectedVersion", out var e) && e.ValueKind != JsonValueKind.Null)
        {
            if (!e.TryGetInt64(out var v) || v < 0)
            {
                await Problem.WriteAsync(context, 400, ErrorCodes.InvalidValue, "'expectedVersion' must be a version number", "expectedVersion");
                return (false, null, null);
            }

            expected = v;
        }

        return (true, reason, expected);
    }

    private static async Task AnswerChangeAsync(HttpContext context, LiveSettings live, (long Version, SettingsRefusal? Refusal) outcome)
    {
        if (outcome.Refusal is { } refusal)
        {
            await Problem.WriteAsync(context, refusal.Status, refusal.Code, refusal.Message, refusal.Field);
            return;
        }

        var record = live.Store.History[^1];
        await QueryEndpoints.WriteJson(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("version", outcome.Version);
            json.WritePropertyName("record");
            WriteRecord(json, record);
            json.WriteEndObject();
        });
    }

    private static void WriteRecord(Utf8JsonWriter json, SettingsVersion record)
    {
        json.WriteStartObject();
        json.WriteNumber("version", record.Version);
        json.WriteString("at", FormatTime(record.AtMs));
        json.WriteString("who", record.Who);
        if (record.Reason is null)
        {
            json.WriteNull("reason");
        }
        else
        {
            json.WriteString("reason", record.Reason);
        }

        if (record.RollbackOf is { } of)
        {
            json.WriteNumber("rollback_of", of);
        }

        json.WriteStartArray("changes");
        foreach (var change in record.Changes)
        {
            json.WriteStartObject();
            json.WriteString("key", change.Key);
            // Masked once more: a record written by an older build must not leak either.
            WriteNullable(json, "from", SecretSettings.Mask(change.Key, change.From));
            WriteNullable(json, "to", SecretSettings.Mask(change.Key, change.To));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>The public id of the caller's API key (never the key), or <c>local</c> for a loopback caller without one.</summary>
    private static string Who(HttpContext context) =>
        context.Items.TryGetValue(ApiKeyAuthentication.ApiKeyIdItem, out var id) && id is string keyId ? "key:" + keyId : "local";

    private static string FormatTime(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
