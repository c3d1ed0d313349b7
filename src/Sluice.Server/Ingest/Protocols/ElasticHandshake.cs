using Microsoft.AspNetCore.Http;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// <c>GET /</c> as an Elasticsearch node answers it: the version bulk clients check before sending (8.x, with the
/// <c>X-elastic-product</c> header that clients since 7.14 require). The dashboard will take <c>GET /</c> for
/// browsers asking for HTML.
/// </summary>
public static class ElasticHandshake
{
    public const string Version = "8.15.0";

    /// <summary>Elasticsearch's parameters common to every API, which clients may add to any request; without effect here.</summary>
    public static readonly string[] CommonParameters = ["filter_path", "pretty", "human", "error_trace"];

    public static Task WriteAsync(HttpContext context)
    {
        context.Response.Headers["X-elastic-product"] = "Elasticsearch";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }

        return ProtocolReplies.WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("name", "sluice");
            json.WriteString("cluster_name", "sluice");
            json.WriteString("cluster_uuid", "c1u5t3r-51u1ce-0000000000");
            json.WriteStartObject("version");
            json.WriteString("number", Version);
            json.WriteString("build_flavor", "default");
            json.WriteString("build_type", "sluice");
            json.WriteString("build_hash", "sluice");
            json.WriteString("build_date", "2026-01-01T00:00:00.000Z");
            json.WriteBoolean("build_snapshot", false);
            json.WriteString("lucene_version", "9.11.1");
            json.WriteString("minimum_wire_compatibility_version", "7.17.0");
            json.WriteString("minimum_index_compatibility_version", "7.0.0");
            json.WriteEndObject();
            json.WriteString("tagline", "You Know, for Search");
            json.WriteEndObject();
        });
    }
}
