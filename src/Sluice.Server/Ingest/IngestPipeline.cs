using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Admission;
using Sluice.Admission.Systems;
using Sluice.Core.Errors;
using Sluice.Core.Privacy;
using Sluice.Core.Options;
using Sluice.Ingest;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Server.Http;
using Sluice.Server.Ingest.Protocols;
using Sluice.Server.Metrics;

namespace Sluice.Server.Ingest;

/// <summary>
/// The HTTP front of ingest: reads the body into one pooled buffer (decompressed), works out who sent it and from
/// what kind of system, hands it to <see cref="EventIntake"/> (translated first for a standard protocol), and writes
/// the answer in the endpoint's shape.
/// </summary>
public sealed class IngestPipeline(SluiceOptions options, EventIntake intake, IIpHasher ipHasher, ServerMetrics metrics)
{
    /// <summary>The <see cref="HttpContext.Items"/> entry holding the request's start (Stopwatch ticks), for answers that report it.</summary>
    public const string StartedItem = "sluice.ingest_started";

    public async Task HandleAsync(HttpContext context, IngestRoute route)
    {
        var started = Stopwatch.GetTimestamp();
        context.Items[StartedItem] = started;
        var outcome = await ProcessAsync(context, route);
        // The status as answered: protocols answer success as 201 (Seq) or 204 (Loki), refusals in their own way.
        metrics.Requests.Add(1, route.Path, StatusText(context.Response.StatusCode));
        if (outcome.Status == StatusCodes.Status200OK)
        {
            metrics.AckLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private async Task<IngestOutcome> ProcessAsync(HttpContext context, IngestRoute route)
    {
        var protocol = route.Protocol;
        var typeError = protocol is null
            ? MediaTypes.IsJson(context.Request) ? null : new FieldError(ErrorCodes.UnsupportedMediaType, "Content-Type",
                $"Content-Type '{context.Request.ContentType}' is not accepted here; send application/json or application/x-ndjson")
            : protocol.CheckContentType(context.Request);
        if (typeError is not null)
        {
            metrics.EventsRejected.Add(1, route.Path, typeError.Value.Code);
            return await Answer(context, route, IngestOutcome.Failed(StatusCodes.Status415UnsupportedMediaType, typeError.Value), null);
        }

        // Room for the body as it will be read; the body, its decompression and its translation draw from this lease.
        var expected = context.Request.ContentLength is { } length && length <= options.Limits.MaxBodyBytes ? length : 64 * 1024;
        using var lease = await intake.LeaseAsync(expected, context.RequestAborted);
        if (lease is null)
        {
            metrics.EventsRejected.Add(1, route.Path, ErrorCodes.MemoryFull);
            return await Answer(context, route, IngestOutcome.Failed(StatusCodes.Status503ServiceUnavailable, MemoryRefusals.Requests), null);
        }

        var (body, bodyError, bodyStatus) = await RequestBody.ReadAsync(context.Request, options.Limits.MaxBodyBytes, context.RequestAborted, lease, intake.MemoryWait);
        if (body is null)
        {
            metrics.EventsRejected.Add(1, route.Path, bodyError.Code);
            return await Answer(context, route, IngestOutcome.Failed(bodyStatus, bodyError!), null);
        }

        using (body)
        {
            var headers = context.Request.Headers;
            var system = SystemDetector.Detect(name => headers.TryGetValue(name, out var value) ? value.ToString() : null);
            var parseContext = new ParseContext(route.DefaultKind, intake.Clock.UnixMilliseconds, route.AssignTraceId, system);
            if (protocol is null)
            {
                var outcome = await intake.StoreAsync(body.Memory, route.Shape, parseContext, Identify(context), route.Path, null, context.RequestAborted);
                return await Answer(context, route, outcome, null);
            }

            using var translation = protocol.Translate(body.Span, context.Request, lease);
            if (translation.Fatal is { } fatal)
            {
                metrics.EventsRejected.Add(1, route.Path, fatal.Code);
                return await Answer(context, route, IngestOutcome.Failed(translation.FatalStatus, fatal), translation);
            }

            if (translation.Records == 0)
            {
                // An empty push (Loki's {"streams":[]}, an OTLP request with no records) succeeds with nothing to store.
                return await Answer(context, route, new IngestOutcome(), translation);
            }

            var translated = await intake.StoreAsync(translation.Ndjson, BodyShape.Auto, parseContext, Identify(context), route.Path, translation, context.RequestAborted);
            return await Answer(context, route, translated, translation);
        }
    }

    private static async Task<IngestOutcome> Answer(HttpContext context, IngestRoute route, IngestOutcome outcome, Translation? translation)
    {
        if (outcome.RetryAfterSeconds > 0)
        {
            context.Response.Headers.RetryAfter = outcome.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        if (route.Protocol is { } protocol)
        {
            await protocol.WriteAsync(context, outcome, translation);
        }
        else if (outcome.Error is { } error)
        {
            await Problem.WriteAsync(context, outcome.Status, error, json =>
            {
                if (route.Reply == IngestReply.BrowserLog)
                {
                    json.WriteBoolean("success", false);
                    json.WriteString("error", error.Message);
                    WriteOptional(json, "trace_id", outcome.FirstTraceId);
                    WriteRemaining(json, outcome.RemainingQuota);
                }

                else if (outcome.Status == StatusCodes.Status429TooManyRequests)
                {
                    json.WriteNumber("remaining_quota", 0); // batch clients (sluice.js) back off on it as on /log
                }

                if (outcome.Rejections.Count > 0 && outcome.Total > 1)
                {
                    Problem.WriteRejections(json, outcome.Rejections);
                }
            });
        }
        else
        {
            await WriteAccepted(context, route, outcome);
        }

        return outcome;
    }

    private static async Task WriteAccepted(HttpContext context, IngestRoute route, IngestOutcome outcome)
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
                WriteOptional(json, "trace_id", outcome.FirstTraceId);
                WriteOptional(json, "id", outcome.FirstId);
                WriteRemaining(json, outcome.RemainingQuota);
            }
            else
            {
                json.WriteNumber("accepted", outcome.Accepted);
                Problem.WriteRejections(json, outcome.Rejections);
                if (outcome.Total == 1)
                {
                    WriteOptional(json, "id", outcome.FirstId);
                }

                // Only where a quota applied: what its tightest rule still allows, so batch clients can slow down in time.
                if (outcome.RemainingQuota != long.MaxValue)
                {
                    json.WriteNumber("remaining_quota", outcome.RemainingQuota);
                }
            }

            // Accepted but not stored as sent: the client must not resend these.
            if (outcome.Duplicates > 0)
            {
                json.WriteNumber("duplicates", outcome.Duplicates);
            }

            if (outcome.SampledOut > 0)
            {
                json.WriteNumber("sampled_out", outcome.SampledOut);
            }

            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Who is sending, for quotas per key and per client address.</summary>
    private RequestIdentity Identify(HttpContext context) =>
        ClientIdentity.Of(intake.Admission, ipHasher,
            context.Items.TryGetValue(ApiKeyAuthentication.ApiKeyIdItem, out var id) ? id as string : null, context.Connection.RemoteIpAddress);

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
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

    private static string StatusText(int status) => status switch
    {
        200 => "200",
        201 => "201",
        204 => "204",
        400 => "400",
        413 => "413",
        415 => "415",
        429 => "429",
        503 => "503",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };
}
