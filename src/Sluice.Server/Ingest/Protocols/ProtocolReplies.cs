using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Server.Http;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>Small helpers the protocol answers share.</summary>
internal static class ProtocolReplies
{
    public static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write, string contentType = "application/json")
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        using (var json = new Utf8JsonWriter(response.BodyWriter, JsonOutput.Options))
        {
            write(json);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    /// <summary>The media type without parameters, lower-case ("" when absent).</summary>
    public static string MediaType(HttpRequest request)
    {
        var type = request.ContentType ?? "";
        var semicolon = type.IndexOf(';');
        return (semicolon >= 0 ? type[..semicolon] : type).Trim().ToLowerInvariant();
    }

    /// <summary>A one-line summary of per-record refusals for protocols whose answers have room for one message.</summary>
    public static string Summary(IngestOutcome outcome) =>
        outcome.Rejections.Count == 0 ? ""
            : $"{outcome.Rejections.Count} of {outcome.Total} records refused; first, record {outcome.Rejections[0].Index}: {outcome.Rejections[0].Error.Message}";
}
