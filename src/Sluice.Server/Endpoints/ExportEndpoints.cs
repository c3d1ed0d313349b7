using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Server.Export;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary><c>GET /api/v1/export</c>: a query's every matching event, streamed as NDJSON, CSV or Parquet (docs/export-import.md).</summary>
public static class ExportEndpoints
{
    public static IEndpointRouteBuilder MapExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/export", ExportAsync).RequireScope(ApiScope.Read).AcceptsQuery(ExportRequest.Parameters);
        return app;
    }

    private static async Task ExportAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        var options = services.GetRequiredService<SluiceOptions>();
        if (!ExportRequest.TryParse(context.Request.Query, options.Query, services.GetRequiredService<IClock>().UnixMilliseconds, out var export, out var error))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var engine = services.GetRequiredService<IQueryEngine>();
        var response = context.Response;
        response.Headers.ContentDisposition = $"attachment; filename=\"sluice-export.{ExportFormats.Extension(export.Format)}\"";
        try
        {
            if (export.Format == ExportFormat.Parquet)
            {
                await ParquetAsync(context, options, engine, export);
                return;
            }

            response.ContentType = ExportFormats.ContentType(export.Format);
            using IExportWriter writer = export.Format == ExportFormat.Csv ? new CsvExportWriter(response.Body) : new NdjsonExportWriter(response.Body);
            await ExportRunner.RunAsync(engine, options.Query, export, writer, null, context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or DuckDB.NET.Data.DuckDBException or IOException)
        {
            // Mid-stream the status is sent already: break the connection so the client sees an incomplete
            // transfer, never a clean end of a cut file.
            context.Abort();
        }
    }

    /// <summary>Parquet needs a seekable file: written under the data directory, then sent with its length, then deleted.</summary>
    private static async Task ParquetAsync(HttpContext context, SluiceOptions options, IQueryEngine engine, ExportRequest export)
    {
        var path = ExportFiles.NewTempPath(options.DataDir, "parquet");
        try
        {
            using (var writer = new ParquetExportWriter(path))
            {
                await ExportRunner.RunAsync(engine, options.Query, export, writer, null, context.RequestAborted);
            }

            context.Response.ContentType = ExportFormats.ContentType(ExportFormat.Parquet);
            await context.Response.SendFileAsync(path, context.RequestAborted);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
