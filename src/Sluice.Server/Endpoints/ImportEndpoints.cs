using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Privacy;
using Sluice.Query;
using Sluice.Server.Export;
using Sluice.Server.Http;
using Sluice.Server.Import;
using Sluice.Server.Ingest;

namespace Sluice.Server.Endpoints;

/// <summary>
/// <c>POST /api/v1/import?format=ndjson|clef|parquet</c>: events from a file of another system (or an export),
/// kept under their ids so a rerun stores nothing twice (docs/export-import.md). Ingest scope: it writes events.
/// </summary>
public static class ImportEndpoints
{
    public static IEndpointRouteBuilder MapImport(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/import", ImportAsync).RequireScope(ApiScope.Ingest).AcceptsQuery("format");
        return app;
    }

    private static async Task ImportAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        if (!ImportFormats.TryParse(context.Request.Query["format"].ToString(), out var format))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidParameter, "'format' must be ndjson, clef or parquet", "format");
            return;
        }

        var options = services.GetRequiredService<SluiceOptions>();
        var encoding = context.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding is not ("" or "identity" or "gzip" or "x-gzip" or "zstd"))
        {
            await Problem.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedEncoding,
                $"Content-Encoding '{encoding}' is not supported here; use gzip, zstd or none", "Content-Encoding");
            return;
        }

        var maxSpool = options.Export.MaxImportSpoolMb * 1024L * 1024;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } wireLimit)
        {
            // NDJSON and CLEF are read line by line as they arrive, so their length is not limited; a Parquet file is spooled to disk.
            wireLimit.MaxRequestBodySize = format == ImportFormat.Parquet ? maxSpool : null;
        }

        var intake = services.GetRequiredService<EventIntake>();
        var key = context.Items.TryGetValue(ApiKeyAuthentication.ApiKeyIdItem, out var id) ? id as string : null;
        var client = ClientIdentity.Of(intake.Admission, services.GetRequiredService<IIpHasher>(), key, context.Connection.RemoteIpAddress);
        var who = new RequestIdentity(client.ApiKeyId, client.ClientIpHash) { QuotaExempt = true };
        var session = new ImportSession(options, intake, services.GetRequiredService<IQueryEngine>(), who, format);
        await using var body = encoding switch
        {
            "gzip" or "x-gzip" => new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true),
            "zstd" => new ZstdSharp.DecompressionStream(context.Request.Body, leaveOpen: true),
            _ => context.Request.Body,
        };
        string? spool = null;
        try
        {
            if (format == ImportFormat.Parquet)
            {
                spool = ExportFiles.NewTempPath(options.DataDir, "parquet");
                if (!await SpoolAsync(body, spool, maxSpool, context.RequestAborted))
                {
                    await Problem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge,
                        $"a Parquet import may be at most Export:MaxImportSpoolMb ({options.Export.MaxImportSpoolMb} MiB) decompressed");
                    return;
                }

                await session.RunAsync(Async(ParquetImportReader.Read(spool)), context.RequestAborted);
            }
            else
            {
                await session.RunAsync(ImportLineReader.ReadAsync(body, options.Limits.MaxBodyBytes, context.RequestAborted), context.RequestAborted);
            }
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException or ParquetSharp.ParquetException or BadHttpRequestException)
        {
            var what = e is ParquetSharp.ParquetException ? "the file is not a readable Parquet file" : "the request body could not be read (bad compression or framing)";
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, new FieldError(ErrorCodes.MalformedBody, null,
                $"{what} after line {session.Report.Lines}: {e.Message}; the events counted as stored are stored, and a rerun skips them"), session.Report.Write);
            return;
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or DuckDB.NET.Data.DuckDBException)
        {
            // The look-up of a batch's ids ran past Query:TimeoutMs: nothing of that batch was stored.
            await Problem.WriteAsync(context, StatusCodes.Status504GatewayTimeout, new FieldError(ErrorCodes.QueryTimeout, null,
                "looking up which events are stored already took longer than Query:TimeoutMs; the events counted as stored are stored, and a rerun skips them"), session.Report.Write);
            return;
        }
        finally
        {
            if (spool is not null)
            {
                File.Delete(spool);
            }
        }

        if (session.Failure is { } failure)
        {
            await Problem.WriteAsync(context, failure.Status, failure.Error, session.Report.Write);
            return;
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter, JsonOutput.Options);
        json.WriteStartObject();
        session.Report.Write(json);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    /// <summary>Copies the body to <paramref name="path"/>; false when it is longer than <paramref name="max"/> (checked while copying).</summary>
    private static async Task<bool> SpoolAsync(Stream body, string path, long max, CancellationToken cancel)
    {
        await using var file = File.Create(path);
        var buffer = new byte[81920];
        var total = 0L;
        int read;
        while ((read = await body.ReadAsync(buffer, cancel)) > 0)
        {
            total += read;
            if (total > max)
            {
                return false;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancel);
        }

        return true;
    }

    private static async IAsyncEnumerable<ImportRecord> Async(IEnumerable<ImportRecord> records)
    {
        foreach (var record in records)
        {
            yield return record;
        }

        await Task.CompletedTask;
    }
}
