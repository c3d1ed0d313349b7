using Microsoft.AspNetCore.Http;

namespace Sluice.Server.Http;

/// <summary>The content types the JSON ingest endpoints take.</summary>
public static class MediaTypes
{
    private static readonly string[] Json =
    [
        "application/json", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
        "application/jsonlines",
        // navigator.sendBeacon and simple CORS requests send JSON as text/plain.
        "text/plain",
    ];

    /// <summary>True for a JSON-family type, or when no type is given.</summary>
    public static bool IsJson(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrEmpty(type))
        {
            return true;
        }

        var semicolon = type.IndexOf(';');
        var media = (semicolon >= 0 ? type[..semicolon] : type).Trim();
        return Json.Any(j => media.Equals(j, StringComparison.OrdinalIgnoreCase))
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
