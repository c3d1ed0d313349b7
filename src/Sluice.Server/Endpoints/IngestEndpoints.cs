using Microsoft.AspNetCore.Builder;
using Sluice.Admission.Auth;
using Sluice.Server.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Ingest.Json;
using Sluice.Server.Ingest;

namespace Sluice.Server.Endpoints;

/// <summary>The native JSON ingest endpoints of DESIGN §5.</summary>
public static class IngestEndpoints
{
    /// <summary>The CORS policy of the ingest endpoints (<see cref="BrowserIngest"/>).</summary>
    public const string CorsPolicy = "browser-ingest";

    public static readonly IngestRoute[] Routes =
    [
        new("/log", BodyShape.SingleObject, EventKind.Log, IngestReply.BrowserLog, AssignTraceId: true),
        new("/api/logs/store", BodyShape.Auto, EventKind.Log, IngestReply.Batch),
        new("/api/logs/batch", BodyShape.LogsEnvelope, EventKind.Log, IngestReply.Batch),
        new("/api/ingest", BodyShape.Auto, EventKind.Log, IngestReply.Batch),
        new("/api/traffic-logs/v2", BodyShape.Auto, EventKind.Traffic, IngestReply.Batch),
    ];

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        foreach (var route in Routes)
        {
            app.MapPost(route.Path, context => context.RequestServices.GetRequiredService<IngestPipeline>().HandleAsync(context, route)).RequireScope(ApiScope.Ingest).RequireCors(CorsPolicy);
        }

        return app;
    }
}
