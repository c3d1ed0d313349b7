using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// Elasticsearch's <c>POST /_bulk</c> and <c>POST /{index}/_bulk</c>, as Filebeat, Vector, Logstash and the ES
/// clients send it. Answers <c>{"took","errors","items"}</c> with a status per item (201 created, 400 refused,
/// 429 over quota), and request-level errors in Elasticsearch's <c>{"error":{"type","reason"},"status"}</c> shape.
/// </summary>
public sealed class BulkProtocol(bool indexAsService, IngestLimits limits) : IHttpProtocol
{
    public string Name => "elasticsearch";

    /// <summary>
    /// The bulk API's documented query parameters, which shippers send (Logstash <c>filter_path</c>, clients
    /// <c>refresh</c>, <c>pipeline</c>, <c>timeout</c> …). Accepted and without effect: stored events are searchable
    /// at once, there are no pipelines, shards or routing, and the answer is always whole.
    /// </summary>
    public IReadOnlyList<string> QueryParameters => ElasticHandshake.CommonParameters.Concat(
        ["refresh", "pipeline", "routing", "timeout", "wait_for_active_shards", "require_alias", "require_data_stream", "_source",
         "_source_includes", "_source_excludes", "list_executed_pipelines", "include_source_on_error", "type"]).ToArray();

    public FieldError? CheckContentType(HttpRequest request) =>
        ProtocolReplies.MediaType(request) is "" or "application/json" or "application/x-ndjson" or "text/plain"
            || ProtocolReplies.MediaType(request).StartsWith("application/vnd.elasticsearch+", StringComparison.Ordinal)
            ? null
            : new FieldError(ErrorCodes.UnsupportedMediaType, "Content-Type", $"Content-Type '{request.ContentType}' is not accepted here; send application/x-ndjson");

    public Translation Translate(ReadOnlySpan<byte> body, HttpRequest request, MemoryLease lease) =>
        BulkTranslator.Translate(body, request.RouteValues.TryGetValue("index", out var index) ? index as string : null, indexAsService, limits, lease);

    public Task WriteAsync(HttpContext context, IngestOutcome outcome, Translation? translation)
    {
        context.Response.Headers["X-elastic-product"] = "Elasticsearch";
        var items = translation?.State as List<BulkItem>;
        if (outcome.Error is { } error && (items is null || outcome.Status != StatusCodes.Status400BadRequest || outcome.Rejections.Count == 0))
        {
            // The request as a whole: Elasticsearch's error shape.
            return ProtocolReplies.WriteJsonAsync(context, outcome.Status, json =>
            {
                json.WriteStartObject();
                json.WriteStartObject("error");
                json.WriteStartArray("root_cause");
                json.WriteStartObject();
                json.WriteString("type", ErrorType(outcome.Status));
                json.WriteString("reason", error.Message);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteString("type", ErrorType(outcome.Status));
                json.WriteString("reason", error.Message);
                json.WriteEndObject();
                json.WriteNumber("status", outcome.Status);
                json.WriteEndObject();
            });
        }

        var refused = outcome.Rejections.ToDictionary(r => r.Index, r => r.Error);
        var took = context.Items.TryGetValue(IngestPipeline.StartedItem, out var started) && started is long ticks
            ? (long)Stopwatch.GetElapsedTime(ticks).TotalMilliseconds
            : 0;
        return ProtocolReplies.WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("took", took);
            json.WriteBoolean("errors", refused.Count > 0);
            json.WriteStartArray("items");
            for (var i = 0; i < (items?.Count ?? 0); i++)
            {
                var item = items![i];
                json.WriteStartObject();
                json.WriteStartObject(item.Action);
                json.WriteString("_index", item.Index ?? "logs");
                if (item.Id is null)
                {
                    json.WriteNull("_id");
                }
                else
                {
                    json.WriteString("_id", item.Id);
                }

                if (refused.TryGetValue(i, out var why))
                {
                    var status = why.Code == ErrorCodes.QuotaExceeded ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest;
                    json.WriteNumber("status", status);
                    json.WriteStartObject("error");
                    json.WriteString("type", status == 429 ? "es_rejected_execution_exception" : "document_parsing_exception");
                    json.WriteString("reason", why.Message);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNumber("_version", 1);
                    json.WriteString("result", "created");
                    json.WriteNumber("status", StatusCodes.Status201Created);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static string ErrorType(int status) => status switch
    {
        429 => "es_rejected_execution_exception",
        503 => "unavailable_shards_exception",
        413 => "content_too_long_exception",
        415 => "media_type_header_exception",
        _ => "illegal_argument_exception",
    };
}
