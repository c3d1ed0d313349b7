using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// Loki's <c>POST /loki/api/v1/push</c>: JSON, or protobuf compressed with snappy (as Promtail, Alloy and the
/// Loki clients send it). 204 on success; errors are plain text, as Loki answers them — a push with refused entries
/// answers 400 naming them while the others are stored, which is what Loki does (clients do not resend on 400).
/// </summary>
public sealed class LokiProtocol(IngestLimits limits) : IHttpProtocol
{
    public string Name => "loki";

    public FieldError? CheckContentType(HttpRequest request) =>
        ProtocolReplies.MediaType(request) is "application/json" or "application/x-protobuf" or ""
            ? null
            : new FieldError(ErrorCodes.UnsupportedMediaType, "Content-Type", $"Content-Type '{request.ContentType}' is not accepted here; send application/json or application/x-protobuf");

    public Translation Translate(ReadOnlySpan<byte> body, HttpRequest request, MemoryLease lease) =>
        ProtocolReplies.MediaType(request) == "application/x-protobuf" ? LokiTranslator.TranslateProtobuf(body, limits, lease) : LokiTranslator.TranslateJson(body, limits, lease);

    public Task WriteAsync(HttpContext context, IngestOutcome outcome, Translation? translation)
    {
        if (outcome.Error is { } error)
        {
            return ProtocolReplies.WriteTextAsync(context, outcome.Status, (outcome.Rejections.Count > 1 ? ProtocolReplies.Summary(outcome) : error.Message) + "\n");
        }

        if (outcome.Rejections.Count > 0)
        {
            return ProtocolReplies.WriteTextAsync(context, StatusCodes.Status400BadRequest, ProtocolReplies.Summary(outcome) + "\n");
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
