using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// Seq's ingestion API, as Serilog.Sinks.Seq and other Seq clients use it: <c>POST /api/events/raw</c> takes CLEF
/// with <c>?clef</c> or <c>Content-Type: application/vnd.serilog.clef</c>, else the <c>{"Events":[…]}</c> envelope;
/// <c>POST /ingest/clef</c> takes CLEF. Success is 201 <c>{"MinimumLevelAccepted":null}</c> (no level filter asked
/// of the client); errors are <c>{"Error":"…"}</c> with the status.
/// </summary>
public sealed class SeqProtocol(bool alwaysClef, IngestLimits limits) : IHttpProtocol
{
    public const string ClefMediaType = "application/vnd.serilog.clef";

    /// <summary>Serilog.Sinks.Seq posts to <c>api/events/raw?clef</c>.</summary>
    public IReadOnlyList<string> QueryParameters => ["clef"];

    public string Name => "seq";

    public FieldError? CheckContentType(HttpRequest request) =>
        ProtocolReplies.MediaType(request) is "" or ClefMediaType or "application/json" or "application/x-ndjson" or "text/plain"
            ? null
            : new FieldError(ErrorCodes.UnsupportedMediaType, "Content-Type", $"Content-Type '{request.ContentType}' is not accepted here; send {ClefMediaType}");

    public Translation Translate(ReadOnlySpan<byte> body, HttpRequest request, MemoryLease lease) =>
        alwaysClef || request.Query.ContainsKey("clef") || ProtocolReplies.MediaType(request) is ClefMediaType or "application/x-ndjson"
            ? ClefTranslator.TranslateClef(body, limits, lease)
            : ClefTranslator.TranslateEnvelope(body, limits, lease);

    public Task WriteAsync(HttpContext context, IngestOutcome outcome, Translation? translation) =>
        outcome.Error is { } error
            ? ProtocolReplies.WriteJsonAsync(context, outcome.Status, json =>
            {
                json.WriteStartObject();
                json.WriteString("Error", outcome.Rejections.Count > 1 ? ProtocolReplies.Summary(outcome) : error.Message);
                json.WriteEndObject();
            })
            : ProtocolReplies.WriteJsonAsync(context, StatusCodes.Status201Created, json =>
            {
                json.WriteStartObject();
                json.WriteNull("MinimumLevelAccepted");
                if (outcome.Rejections.Count > 0)
                {
                    json.WriteString("Error", ProtocolReplies.Summary(outcome));
                }

                json.WriteEndObject();
            });
}
