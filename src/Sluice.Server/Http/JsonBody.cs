using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Ingest.Json;

namespace Sluice.Server.Http;

/// <summary>
/// Small JSON request bodies of the query and operate endpoints: read through <see cref="RequestBody"/> (so a body
/// that is too large, badly framed or badly compressed is an answer, not an exception), parsed as one object, and
/// read field by field with errors that name the field.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The body as a JSON object, or null once a problem has been answered. An empty body is an empty object.</summary>
    public static async Task<JsonElement?> ReadObjectAsync(HttpContext context)
    {
        var (body, error, status) = await RequestBody.ReadAsync(context.Request, MaxBytes, context.RequestAborted);
        if (body is null)
        {
            await Problem.WriteAsync(context, status, error);
            return null;
        }

        using (body)
        {
            if (body.Length == 0)
            {
                return JsonDocument.Parse("{}").RootElement.Clone();
            }

            try
            {
                using var document = JsonDocument.Parse(body.Memory);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    await Problem.WriteAsync(context, 400, ErrorCodes.ExpectedObject, "the body must be a JSON object");
                    return null;
                }

                return document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                await Problem.WriteAsync(context, 400, JsonErrorText.Error(body.Span, e, 64, "the body is not valid JSON: "));
                return null;
            }
        }
    }

    /// <summary>
    /// A string field: absent or null gives null; any other type is <c>invalid_type</c> naming the field (a number
    /// where text belongs is the client's mistake, not a missing field).
    /// </summary>
    public static bool TryString(JsonElement body, string name, out string? value, out FieldError error)
    {
        value = null;
        error = default;
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = new FieldError(ErrorCodes.InvalidType, name, $"'{name}' must be a string");
            return false;
        }

        try
        {
            value = element.GetString();
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800) is valid JSON but no string.
            error = new FieldError(ErrorCodes.InvalidUtf8, name, $"'{name}' holds an escape that is not a character (a lone surrogate)");
            return false;
        }

        return true;
    }
}
