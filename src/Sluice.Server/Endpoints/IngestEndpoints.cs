using Microsoft.AspNetCore.Builder;
using Sluice.Admission.Auth;
using Sluice.Server.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Ingest.Json;
using Sluice.Server.Ingest;
using Sluice.Server.Ingest.Protocols;

namespace Sluice.Server.Endpoints;

/// <summary>The ingest endpoints of DESIGN §5: native JSON, and the standard protocols.</summary>
public static class IngestEndpoints
{
    /// <summary>The CORS policy of the ingest endpoints (<see cref="BrowserIngest"/>).</summary>
    public const string CorsPolicy = "browser-ingest";

    /// <summary>Every ingest route: the native ones, then the standard protocols.</summary>
    public static IngestRoute[] Routes(Core.Options.SluiceOptions options) =>
    [
        new("/log", BodyShape.SingleObject, EventKind.Log, IngestReply.BrowserLog, AssignTraceId: true),
        new("/api/logs/store", BodyShape.Auto, EventKind.Log, IngestReply.Batch),
        new("/api/logs/batch", BodyShape.LogsEnvelope, EventKind.Log, IngestReply.Batch),
        new("/api/ingest", BodyShape.Auto, EventKind.Log, IngestReply.Batch),
        new("/api/traffic-logs/v2", BodyShape.Auto, EventKind.Traffic, IngestReply.Batch),

        // Standard protocols (docs/protocols.md): translated into native events, answered in their own shapes.
        new("/api/events/raw", BodyShape.Auto, EventKind.Log, IngestReply.Batch, Protocol: new SeqProtocol(alwaysClef: false, options.Limits)),
        new("/ingest/clef", BodyShape.Auto, EventKind.Log, IngestReply.Batch, Protocol: new SeqProtocol(alwaysClef: true, options.Limits)),
        new("/v1/logs", BodyShape.Auto, EventKind.Log, IngestReply.Batch, Protocol: new OtlpProtocol(options.Limits)),
        new("/loki/api/v1/push", BodyShape.Auto, EventKind.Log, IngestReply.Batch, Protocol: new LokiProtocol(options.Limits)),
        new("/_bulk", BodyShape.Auto, EventKind.Log, IngestReply.Batch, Protocol: new BulkProtocol(options.Protocols.ElasticIndexAsService, options.Limits)),
        new("/{index}/_bulk", BodyShape.Auto, EventKind.Log, IngestReply.Batch, Protocol: new BulkProtocol(options.Protocols.ElasticIndexAsService, options.Limits)),
    ];

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        foreach (var route in Routes(app.ServiceProvider.GetRequiredService<Core.Options.SluiceOptions>()))
        {
            app.MapPost(route.Path, context => context.RequestServices.GetRequiredService<IngestPipeline>().HandleAsync(context, route)).RequireScope(ApiScope.Ingest).RequireCors(CorsPolicy)
                .AcceptsQuery([.. route.Protocol?.QueryParameters ?? []]);
        }

        // Elasticsearch clients (Filebeat, Vector, Logstash) ask for the version before their first bulk.
        app.MapMethods("/", ["GET", "HEAD"], ElasticHandshake.WriteAsync).RequireScope(ApiScope.Ingest).AcceptsQuery(ElasticHandshake.CommonParameters);
        return app;
    }
}
