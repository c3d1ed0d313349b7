using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Resilience;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>The body of <c>POST /api/admin/chaos</c>, checked field by field: errors name the field at fault.</summary>
internal sealed record ChaosRequest(string Dependency, FaultMode Mode, int Seconds, int DelayMs)
{
    /// <summary>A slow fault's delay when the request names none, in ms.</summary>
    public const int DefaultDelayMs = 1_000;

    public static (ChaosRequest? Request, FieldError Error) Read(JsonElement body, Dependencies dependencies, int maxSeconds)
    {
        if (!JsonBody.TryString(body, "dependency", out var dependency, out var error))
        {
            return (null, error);
        }

        if (dependency is null)
        {
            return (null, new FieldError(ErrorCodes.MissingField, "dependency", "'dependency' is required (GET /api/admin/chaos lists them)"));
        }

        if (dependencies.Find(dependency) is null)
        {
            var known = string.Join(", ", dependencies.All.Select(b => b.Name));
            return (null, new FieldError(ErrorCodes.InvalidValue, "dependency", $"'dependency' names no dependency of this node (known: {known})"));
        }

        if (!JsonBody.TryString(body, "mode", out var modeText, out error))
        {
            return (null, error);
        }

        FaultMode mode;
        switch (modeText)
        {
            case null:
                return (null, new FieldError(ErrorCodes.MissingField, "mode", "'mode' is required: \"fail\" or \"slow\""));
            case "fail":
                mode = FaultMode.Fail;
                break;
            case "slow":
                mode = FaultMode.Slow;
                break;
            default:
                return (null, new FieldError(ErrorCodes.InvalidValue, "mode", "'mode' must be \"fail\" or \"slow\""));
        }

        if (!TryInteger(body, "seconds", 1, maxSeconds, out var seconds, out error))
        {
            return (null, error);
        }

        if (seconds is null)
        {
            return (null, new FieldError(ErrorCodes.MissingField, "seconds", $"'seconds' is required (1–{maxSeconds})"));
        }

        if (!TryInteger(body, "delay_ms", 1, ChaosEndpoints.MaxDelayMs, out var delayMs, out error))
        {
            return (null, error);
        }

        return (new ChaosRequest(dependency, mode, seconds.Value, delayMs ?? DefaultDelayMs), default);
    }

    private static bool TryInteger(JsonElement body, string name, int min, int max, out int? value, out FieldError error)
    {
        value = null;
        error = default;
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number))
        {
            error = new FieldError(element.ValueKind == JsonValueKind.Number ? ErrorCodes.InvalidValue : ErrorCodes.InvalidType, name, $"'{name}' must be a whole number from {min} to {max}");
            return false;
        }

        if (number < min || number > max)
        {
            error = new FieldError(ErrorCodes.InvalidValue, name, $"'{name}' must be from {min} to {max} (it is {number})");
            return false;
        }

        value = number;
        return true;
    }
}
