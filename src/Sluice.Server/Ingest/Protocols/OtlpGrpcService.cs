using Grpc.Core;
using Google.Protobuf;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Privacy;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Ingest.Protocols.Otlp;
using Sluice.Server.Http;
using Sluice.Server.Metrics;
using GrpcStatus = Grpc.Core.Status;

namespace Sluice.Server.Ingest.Protocols;

/// <summary>
/// OTLP over gRPC, <c>LogsService/Export</c>, on the HTTP/2 port <c>Protocols:OtlpGrpcPort</c> (4317 by convention).
/// The request goes through the same translation, admission and durable ack as OTLP/HTTP; refusals come back as
/// <c>partial_success</c>, failures as gRPC statuses (RESOURCE_EXHAUSTED over quota, UNAVAILABLE when the server
/// asks for time — both retried by exporters — INVALID_ARGUMENT otherwise).
/// </summary>
public sealed class OtlpGrpcService(EventIntake intake, SluiceOptions options, IIpHasher ipHasher, ServerMetrics metrics) : Grpc.LogsService.LogsServiceBase
{
    public const string Endpoint = "otlp/grpc";

    public override async Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        // The request is already a message; the translator reads wire bytes one record at a time, with its limits.
        var size = request.CalculateSize();
        using var lease = await intake.LeaseAsync(size, context.CancellationToken);
        using var translation = lease is null ? null : OtlpTranslator.TranslateProtobuf(request.ToByteArray(), options.Limits, lease);
        IngestOutcome outcome;
        if (lease is null || translation is null)
        {
            outcome = IngestOutcome.Failed(503, Sluice.Ingest.MemoryRefusals.Requests);
        }
        else if (translation.Fatal is { } fatal)
        {
            outcome = IngestOutcome.Failed(translation.FatalStatus, fatal);
        }
        else if (translation.Records == 0)
        {
            outcome = new IngestOutcome();
        }
        else
        {
            var who = ClientIdentity.Of(intake.Admission, ipHasher,
                http.Items.TryGetValue(ApiKeyAuthentication.ApiKeyIdItem, out var id) ? id as string : null, http.Connection.RemoteIpAddress);
            outcome = await intake.StoreAsync(translation.Ndjson, BodyShape.Auto, new Sluice.Ingest.Json.ParseContext(EventKind.Log, intake.Clock.UnixMilliseconds), who, Endpoint, translation, context.CancellationToken);
        }

        metrics.Requests.Add(1, Endpoint, outcome.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (outcome.Error is { } error)
        {
            var code = outcome.Status switch
            {
                429 => StatusCode.ResourceExhausted,
                503 => StatusCode.Unavailable,
                _ => StatusCode.InvalidArgument,
            };
            throw new RpcException(new GrpcStatus(code, outcome.Rejections.Count > 1 ? ProtocolReplies.Summary(outcome) : error.Message));
        }

        return new ExportLogsServiceResponse
        {
            PartialSuccess = outcome.Rejections.Count == 0 ? null
                : new ExportLogsPartialSuccess { RejectedLogRecords = outcome.Rejections.Count, ErrorMessage = ProtocolReplies.Summary(outcome) },
        };
    }
}
