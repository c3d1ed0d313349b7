using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Server.Export;
using Sluice.Server.Http;

namespace Sluice.Server.Endpoints;

/// <summary>
/// Export jobs for large ranges (docs/export-import.md): start one, watch it (status, or progress as server-sent
/// events), download its file with HTTP ranges so a broken download resumes, delete it. Read scope throughout:
/// whoever may run the query may see and fetch its job.
/// </summary>
public static class ExportJobEndpoints
{
    private const string Jobs = "/api/v1/export/jobs";

    public static IEndpointRouteBuilder MapExportJobs(this IEndpointRouteBuilder app)
    {
        app.ServiceProvider.GetRequiredService<ExportJobs>(); // made now: it clears what a previous run left before any export starts
        app.MapPost(Jobs, StartAsync).RequireScope(ApiScope.Read).AcceptsQuery(ExportRequest.Parameters);
        app.MapGet(Jobs + "/{id}", (HttpContext context, string id) => WithJob(context, id, StatusAsync)).RequireScope(ApiScope.Read);
        app.MapGet(Jobs + "/{id}/progress", (HttpContext context, string id) => WithJob(context, id, ProgressAsync)).RequireScope(ApiScope.Read);
        app.MapGet(Jobs + "/{id}/download", (HttpContext context, string id) => WithJob(context, id, DownloadAsync)).RequireScope(ApiScope.Read);
        app.MapDelete(Jobs + "/{id}", DeleteAsync).RequireScope(ApiScope.Read);
        return app;
    }

    private static async Task StartAsync(HttpContext context)
    {
        var services = context.RequestServices;
        if (!await QueryEndpoints.EnsureReady(context))
        {
            return;
        }

        // The parameters of GET /api/v1/export, in the query string or as a JSON object of strings.
        var parameters = context.Request.Query;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (body, bodyError) = await ReadParametersAsync(context);
            if (body is null)
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, bodyError);
                return;
            }

            parameters = body;
        }

        var options = services.GetRequiredService<SluiceOptions>();
        if (!ExportRequest.TryParse(parameters, options.Query, services.GetRequiredService<IClock>().UnixMilliseconds, out var export, out var error))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var jobs = services.GetRequiredService<ExportJobs>();
        var (job, status, refusal) = jobs.Start(export);
        if (job is null)
        {
            await Problem.WriteAsync(context, status, refusal);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.Location = $"{Jobs}/{job.Id}";
        await QueryEndpoints.WriteJson(context, json => job.Write(json, jobs.TtlMs));
    }

    private static async Task StatusAsync(HttpContext context, ExportJob job) =>
        await QueryEndpoints.WriteJson(context, json => job.Write(json, context.RequestServices.GetRequiredService<ExportJobs>().TtlMs));

    /// <summary>
    /// <c>event: progress</c> with the job's status whenever it changes, then one <c>event: done</c> (or
    /// <c>failed</c>, <c>cancelled</c>) and the end of the stream.
    /// </summary>
    private static async Task ProgressAsync(HttpContext context, ExportJob job)
    {
        var ttl = context.RequestServices.GetRequiredService<ExportJobs>().TtlMs;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var seen = -1;
        try
        {
            while (true)
            {
                var finished = job.IsFinished;
                if (job.Version != seen || finished)
                {
                    seen = job.Version;
                    await SendAsync(response, finished ? job.State.ToString().ToLowerInvariant() : "progress", job, ttl, context.RequestAborted);
                }

                if (finished)
                {
                    return;
                }

                await Task.Delay(200, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private static async Task SendAsync(HttpResponse response, string name, ExportJob job, long ttl, CancellationToken cancel)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            job.Write(json, ttl);
        }

        await response.WriteAsync($"event: {name}\ndata: ", cancel);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancel);
        await response.WriteAsync("\n\n", cancel);
        await response.Body.FlushAsync(cancel);
    }

    /// <summary>The finished file, with ranges (206, Content-Range), an entity tag and If-Range handled by ASP.NET Core's file result.</summary>
    private static async Task DownloadAsync(HttpContext context, ExportJob job)
    {
        if (job.State != ExportJobState.Done)
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ErrorCodes.ExportNotReady,
                $"the job is {job.State.ToString().ToLowerInvariant()}; its file can be downloaded once it is done", "id");
            return;
        }

        context.Response.Headers.ContentDisposition = $"attachment; filename=\"sluice-export-{job.Id}.{ExportFormats.Extension(job.Request.Format)}\"";
        var result = Results.File(job.Path, ExportFormats.ContentType(job.Request.Format),
            lastModified: DateTimeOffset.FromUnixTimeMilliseconds(job.FinishedMs), entityTag: new EntityTagHeaderValue(job.ETag), enableRangeProcessing: true);
        await result.ExecuteAsync(context);
    }

    private static async Task DeleteAsync(HttpContext context, string id)
    {
        if (!context.RequestServices.GetRequiredService<ExportJobs>().Remove(id))
        {
            await NotFound(context, id);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task WithJob(HttpContext context, string id, Func<HttpContext, ExportJob, Task> handle)
    {
        if (context.RequestServices.GetRequiredService<ExportJobs>().Get(id) is not { } job)
        {
            await NotFound(context, id);
            return;
        }

        await handle(context, job);
    }

    private static Task NotFound(HttpContext context, string id) =>
        Problem.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"no export job has id '{id}' (finished jobs expire)", "id");

    private static async Task<(QueryCollection? Parameters, FieldError Error)> ReadParametersAsync(HttpContext context)
    {
        var (body, error, _) = await RequestBody.ReadAsync(context.Request, 64 * 1024, context.RequestAborted);
        if (body is null)
        {
            return (null, error);
        }

        using (body)
        {
            try
            {
                using var document = JsonDocument.Parse(body.Memory);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, new FieldError(ErrorCodes.ExpectedObject, null, "the body must be a JSON object of export parameters"));
                }

                var values = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    values[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number => property.Value.GetRawText(),
                        _ => throw new JsonException($"'{property.Name}' must be a string"),
                    };
                }

                return (new QueryCollection(values), default);
            }
            catch (JsonException e)
            {
                return (null, new FieldError(ErrorCodes.MalformedJson, null, "the body is not a JSON object of export parameters: " + e.Message));
            }
        }
    }
}
