using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols;
using Sluice.Ingest.Protocols.Otlp;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// OTLP/HTTP logs, <c>POST /v1/logs</c>: <c>application/x-protobuf</c> or <c>application/json</c> (gzip through
/// Content-Encoding). Success answers an ExportLogsServiceResponse in the request's encoding, with
/// <c>partial_success</c> counting the records refused; failures answer a google.rpc.Status, with Retry-After on
/// 429 and 503 so exporters back off and retry.
/// </summary>
public sealed class OtlpProtocol(IngestLimits limits) : IHttpProtocol
{
    private const string Protobuf = "application/x-protobuf";

    public string Name => "otlp";

    public FieldError? CheckContentType(HttpRequest request) =>
        ProtocolReplies.MediaType(request) is Protobuf or "application/json"
            ? null
            : new FieldError(ErrorCodes.UnsupportedMediaType, "Content-Type", $"Content-Type '{request.ContentType}' is not accepted here; send {Protobuf} or application/json");

    public Translation Translate(ReadOnlySpan<byte> body, HttpRequest request, MemoryLease lease) =>
        IsProtobuf(request) ? OtlpTranslator.TranslateProtobuf(body, limits, lease) : OtlpTranslator.TranslateJson(body, limits, lease);

    public async Task WriteAsync(HttpContext context, IngestOutcome outcome, Translation? translation)
    {
        IMessage answer = outcome.Error is { } error
            ? new Status { Code = GrpcCode(outcome.Status), Message = outcome.Rejections.Count > 1 ? ProtocolReplies.Summary(outcome) : error.Message }
            : new ExportLogsServiceResponse
            {
                PartialSuccess = outcome.Rejections.Count == 0 ? null
                    : new ExportLogsPartialSuccess { RejectedLogRecords = outcome.Rejections.Count, ErrorMessage = ProtocolReplies.Summary(outcome) },
            };
        var response = context.Response;
        response.StatusCode = outcome.Error is null ? StatusCodes.Status200OK : outcome.Status;
        if (IsProtobuf(context.Request))
        {
            response.ContentType = Protobuf;
            await response.Body.WriteAsync(answer.ToByteArray(), context.RequestAborted);
        }
        else
        {
            response.ContentType = "application/json";
            await response.WriteAsync(JsonFormatter.Default.Format(answer), context.RequestAborted);
        }
    }

    private static bool IsProtobuf(HttpRequest request) => ProtocolReplies.MediaType(request) == Protobuf;

    /// <summary>The gRPC status code matching an HTTP status, as OTLP's Status carries.</summary>
    private static int GrpcCode(int status) => status switch
    {
        400 or 413 or 415 => 3, // INVALID_ARGUMENT
        401 => 16,              // UNAUTHENTICATED
        403 => 7,               // PERMISSION_DENIED
        429 => 8,               // RESOURCE_EXHAUSTED
        503 => 14,              // UNAVAILABLE
        _ => 13,                // INTERNAL
    };
}
