using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Admission;
using Sluice.Admission.Systems;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Privacy;
using Sluice.Core.Time;
using Sluice.Ingest.Json;
using Sluice.Server.Http;
using Sluice.Server.Metrics;
using Sluice.Storage;
using Sluice.Storage.Wal;

namespace Sluice.Server.Ingest;

/// <summary>
/// receive → admit → log for the native JSON endpoints: the body is read into one pooled buffer, parsed and
/// admitted straight into one pooled batch of rows, appended to the WAL as one record, and acknowledged once
/// durable. Nothing of a request is stored unless the whole request got that far.
/// </summary>
public sealed class IngestPipeline(SluiceOptions options, EventStore store, IIpHasher ipHasher, EventIdGenerator ids, IClock clock, ServerMetrics metrics, UnflushedBudget unflushed, BatchAdmission admission)
{
    public async Task HandleAsync(HttpContext context, IngestRoute route)
    {
        var started = Stopwatch.GetTimestamp();
        var status = await ProcessAsync(context, route);
        metrics.Requests.Add(1, route.Path, StatusText(status));
        if (status == StatusCodes.Status200OK)
        {
            metrics.AckLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private async Task<int> ProcessAsync(HttpContext context, IngestRoute route)
    {
        if (store.IsRecovering)
        {
            context.Response.Headers.RetryAfter = "1";
            return await Fail(context, route, StatusCodes.Status503ServiceUnavailable, new FieldError(ErrorCodes.Recovering, null, "the server is recovering its log; retry shortly"));
        }

        if (!MediaTypes.IsJson(context.Request))
        {
            return await Fail(context, route, StatusCodes.Status415UnsupportedMediaType, new FieldError(ErrorCodes.UnsupportedMediaType, "Content-Type",
                $"Content-Type '{context.Request.ContentType}' is not accepted here; send application/json or application/x-ndjson"));
        }

        var (body, bodyError, bodyStatus) = await RequestBody.ReadAsync(context.Request, options.Limits.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return await Fail(context, route, bodyStatus, bodyError);
        }

        using (body)
        {
            // The body and its encoded rows (about as large) stay in memory until the WAL has them.
            using var held = await unflushed.ReserveAsync(2L * body.Length, TimeSpan.FromMilliseconds(options.Memory.WaitMs), context.RequestAborted);
            if (held is null)
            {
                context.Response.Headers.RetryAfter = "1";
                return await Fail(context, route, StatusCodes.Status503ServiceUnavailable, new FieldError(ErrorCodes.MemoryFull, null,
                    $"more than {options.Memory.MaxUnflushedMb} MB of accepted events are waiting to be written; nothing of this request was stored, retry shortly"));
            }

            return await AdmitAsync(context, route, body);
        }
    }

    private async Task<int> AdmitAsync(HttpContext context, IngestRoute route, RequestBody body)
    {
        using (var batch = new EventBatchBuilder(body.Length + 4096))
        {
            var headers = context.Request.Headers;
            var system = SystemDetector.Detect(name => headers.TryGetValue(name, out var value) ? value.ToString() : null);
            var parseContext = new ParseContext(route.DefaultKind, clock.UnixMilliseconds, route.AssignTraceId, system);
            BodyParseResult result;
            using (var parser = new EventParser(options.Limits, ipHasher, ids))
            {
                result = EventBodyParser.Parse(body.Span, route.Shape, parser, batch, parseContext, options.Limits);
            }

            if (result.Fatal is { } fatal)
            {
                return await Fail(context, route, result.FatalStatus, fatal);
            }

            if (result.Accepted == 0)
            {
                // Every event was refused: a single event answers with its own error, a batch with the list.
                CountRejections(route, result.Rejections);
                var only = result.Rejections![0].Error;
                return result.Total == 1
                    ? await Fail(context, route, StatusCodes.Status400BadRequest, only, count: false)
                    : await Fail(context, route, StatusCodes.Status400BadRequest,
                        new FieldError(ErrorCodes.AllEventsRejected, null, $"none of the {result.Total} events was accepted; see 'rejected'"),
                        json => Problem.WriteRejections(json, result.Rejections), count: false);
            }

            var appending = Stopwatch.GetTimestamp();
            using var room = await store.ReserveAsync(batch.RowBytes, TimeSpan.FromMilliseconds(options.Storage.IngestWaitMs), context.RequestAborted);
            if (room is null)
            {
                context.Response.Headers.RetryAfter = "2";
                return await Fail(context, route, StatusCodes.Status503ServiceUnavailable, new FieldError(ErrorCodes.StorageBehind, null,
                    "events are arriving faster than they can be sealed into partitions; nothing of this request was stored, retry shortly"));
            }

            using var admitted = await admission.AdmitAsync(batch, Identify(context), clock.UnixMilliseconds, TimeSpan.FromMilliseconds(options.Storage.IngestWaitMs), context.RequestAborted);
            if (admitted is null)
            {
                context.Response.Headers.RetryAfter = "1";
                return await Fail(context, route, StatusCodes.Status503ServiceUnavailable, new FieldError(ErrorCodes.RetryInFlight, null,
                    "another request is still storing some of these events; retry shortly"));
            }

            CountAdmission(route, admitted);
            var rows = admitted.Rows;
            if (rows.Count == 0 && admitted.Refused.Count == result.Accepted)
            {
                // Every parsed event was refused by a quota.
                CountRejections(route, result.Rejections);
                context.Response.Headers.RetryAfter = admitted.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var first = admitted.Refused[0].Error;
                return result.Total == 1
                    ? await Fail(context, route, StatusCodes.Status429TooManyRequests, first, json => WriteFirstRowString(json, "trace_id", batch, FieldTag.TraceId), count: false, remaining: 0)
                    : await Fail(context, route, StatusCodes.Status429TooManyRequests,
                        new FieldError(ErrorCodes.QuotaExceeded, first.Field, $"every event was refused by a quota ({first.Message}); see 'rejected'"),
                        json => Problem.WriteRejections(json, Merge(result.Rejections, admitted.Refused)), count: false, remaining: 0);
            }

            try
            {
                if (rows.Count > 0)
                {
                    await store.AppendAsync(rows.Rows, rows.Count);
                }

                metrics.WalWait.Observe(Stopwatch.GetElapsedTime(appending).TotalSeconds);
            }
            catch (WalUnavailableException e)
            {
                context.Response.Headers.RetryAfter = "5";
                return await Fail(context, route, StatusCodes.Status503ServiceUnavailable, new FieldError(ErrorCodes.StorageUnavailable, null, "the event log cannot take writes: " + e.Message));
            }

            admitted.Commit();
            if (admitted.Refused.Count > 0)
            {
                context.Response.Headers.RetryAfter = admitted.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var accepted = result.Accepted - admitted.Refused.Count;
            metrics.EventsAccepted.Add(accepted, route.Path);
            CountRejections(route, result.Rejections);
            await WriteAccepted(context, route, batch, rows, accepted, Merge(result.Rejections, admitted.Refused), result.Total, admitted);
            return StatusCodes.Status200OK;
        }
    }

    /// <summary>Who is sending, for quotas per key and per client address (hashed here, never kept raw).</summary>
    private RequestIdentity Identify(HttpContext context)
    {
        if (admission.Quotas.IsEmpty)
        {
            return RequestIdentity.Anonymous;
        }

        var keyId = context.Items.TryGetValue(ApiKeyAuthentication.ApiKeyIdItem, out var id) ? id as string : null;
        string? ipHash = null;
        if (context.Connection.RemoteIpAddress is { } address)
        {
            Span<byte> text = stackalloc byte[64];
            Span<byte> hash = stackalloc byte[ipHasher.HashLength];
            if (address.TryFormat(text, out var written))
            {
                ipHasher.Hash(text[..written], hash);
                ipHash = System.Text.Encoding.UTF8.GetString(hash);
            }
        }

        return new RequestIdentity(keyId, ipHash);
    }

    private void CountAdmission(IngestRoute route, AdmittedBatch admitted)
    {
        if (admitted.Duplicates > 0)
        {
            metrics.Deduplicated.Add(admitted.Duplicates, route.Path);
        }

        foreach (var (_, error) in admitted.Refused)
        {
            metrics.EventsRejected.Add(1, route.Path, error.Code);
        }
    }

    /// <summary>Parse rejections and quota refusals in request order.</summary>
    private static List<Rejection>? Merge(List<Rejection>? parsed, List<(int Index, FieldError Error)> refused)
    {
        if (refused.Count == 0)
        {
            return parsed;
        }

        var all = new List<Rejection>(parsed ?? []);
        all.AddRange(refused.Select(r => new Rejection(r.Index, r.Error)));
        all.Sort((a, b) => a.Index.CompareTo(b.Index));
        return all;
    }

    private static async Task WriteAccepted(HttpContext context, IngestRoute route, EventBatchBuilder parsed, EventBatchBuilder stored, int accepted, List<Rejection>? rejections, int total, AdmittedBatch admitted)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter, JsonOutput.Options))
        {
            json.WriteStartObject();
            if (route.Reply == IngestReply.BrowserLog)
            {
                json.WriteBoolean("success", true);
                WriteFirstRowString(json, "trace_id", parsed, FieldTag.TraceId);
                WriteFirstRowString(json, "id", parsed, FieldTag.Id);
                WriteRemaining(json, admitted.Remaining);
            }
            else
            {
                json.WriteNumber("accepted", accepted);
                Problem.WriteRejections(json, rejections);
                if (total == 1)
                {
                    WriteFirstRowString(json, "id", parsed, FieldTag.Id);
                }
            }

            // Accepted but not stored as sent: the client must not resend these.
            if (admitted.Duplicates > 0)
            {
                json.WriteNumber("duplicates", admitted.Duplicates);
            }

            if (admitted.SampledOut > 0)
            {
                json.WriteNumber("sampled_out", admitted.SampledOut);
            }

            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void WriteRemaining(Utf8JsonWriter json, long remaining)
    {
        if (remaining == long.MaxValue)
        {
            json.WriteNull("remaining_quota");
        }
        else
        {
            json.WriteNumber("remaining_quota", remaining);
        }
    }

    private static void WriteFirstRowString(Utf8JsonWriter json, string name, EventBatchBuilder batch, FieldTag tag)
    {
        if (RowReader.TryGetString(batch.Rows.Span, tag, out var value))
        {
            json.WriteString(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private async Task<int> Fail(HttpContext context, IngestRoute route, int status, FieldError error, Action<Utf8JsonWriter>? extensions = null, bool count = true, long remaining = long.MaxValue)
    {
        if (count)
        {
            metrics.EventsRejected.Add(1, route.Path, error.Code);
        }

        if (route.Reply == IngestReply.BrowserLog)
        {
            var inner = extensions;
            extensions = json =>
            {
                json.WriteBoolean("success", false);
                json.WriteString("error", error.Message);
                WriteRemaining(json, remaining);
                inner?.Invoke(json);
            };
        }

        await Problem.WriteAsync(context, status, error, extensions);
        return status;
    }

    private void CountRejections(IngestRoute route, List<Rejection>? rejections)
    {
        foreach (var r in rejections ?? [])
        {
            metrics.EventsRejected.Add(1, route.Path, r.Error.Code);
        }
    }

    private static string StatusText(int status) => status switch
    {
        200 => "200",
        400 => "400",
        429 => "429",
        413 => "413",
        415 => "415",
        503 => "503",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
