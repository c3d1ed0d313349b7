using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Ingest.Json;
using Sluice.Server.Http;
using Sluice.Storage.Retention;

namespace Sluice.Server.Endpoints;

/// <summary>
/// Turns a cleanup request — JSON body or query string: <c>policy</c>, <c>kind</c>, <c>start_time</c>, <c>end_time</c>,
/// <c>dry_run</c>, <c>force</c> — into a <see cref="CleanupRequest"/>, or names the field at fault.
/// </summary>
public static class CleanupParameters
{
    /// <summary>The parameters a cleanup reads, from its JSON body or its query.</summary>
    public static readonly string[] Names = ["policy", "kind", "start_time", "end_time", "dry_run", "force"];

    public static async Task<(CleanupRequest? Request, FieldError Error)> ReadAsync(HttpContext context, EventKind endpointKind)
    {
        JsonObject body;
        var (raw, readError, _) = await RequestBody.ReadAsync(context.Request, JsonBody.MaxBytes, context.RequestAborted);
        if (raw is null)
        {
            return (null, readError);
        }

        using (raw)
        {
            try
            {
                body = raw.Length == 0 ? [] : JsonNode.Parse(raw.Span) as JsonObject ?? [];
            }
            catch (JsonException e)
            {
                return (null, JsonErrorText.Error(raw.Span, e, 64, "the body is not a JSON object: "));
            }
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

            bad ??= new FieldError(ErrorCodes.InvalidValue, name, $"'{name}' {Timestamps.WhyNot(value)}");
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
}
