using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Sluice.Core.Errors;

namespace Sluice.Server.Http;

/// <summary>
/// The one place errors become HTTP answers: <c>application/problem+json</c> (RFC 9457) with the stable
/// <c>code</c>, a <c>message</c> for people (also as <c>detail</c>), and the <c>field</c> at fault.
/// </summary>
public static class Problem
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, int status, FieldError error, Action<Utf8JsonWriter>? extensions = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        using var json = new Utf8JsonWriter(response.BodyWriter, JsonOutput.Options);
        json.WriteStartObject();
        json.WriteString("type", "urn:sluice:problem:" + error.Code);
        json.WriteString("title", ReasonPhrases.GetReasonPhrase(status));
        json.WriteNumber("status", status);
        json.WriteString("code", error.Code);
        json.WriteString("message", error.Message);
        json.WriteString("detail", error.Message);
        if (error.Field is not null)
        {
            json.WriteString("field", error.Field);
        }

        if (error.Position is { } position)
        {
            json.WriteNumber("position", position);
        }

        extensions?.Invoke(json);
        json.WriteEndObject();
        json.Flush();
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    public static Task WriteAsync(HttpContext context, int status, string code, string message, string? field = null) =>
        WriteAsync(context, status, new FieldError(code, field, message));

    /// <summary>Writes the rejected events of a batch as a JSON array.</summary>
    public static void WriteRejections(Utf8JsonWriter json, IReadOnlyList<Rejection>? rejections)
    {
        json.WriteStartArray("rejected");
        foreach (var r in rejections ?? [])
        {
            json.WriteStartObject();
            json.WriteNumber("index", r.Index);
            json.WriteString("code", r.Error.Code);
            if (r.Error.Field is not null)
            {
                json.WriteString("field", r.Error.Field);
            }

            json.WriteString("message", r.Error.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
