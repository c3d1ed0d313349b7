using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Sluice.Cli.Bench;

/// <summary>
/// Posts batches over C connections, closed loop (each connection sends as soon as its ack is back) or open loop
/// (batches leave on a fixed schedule, <paramref name="secondsPerBatch"/> apart). A 503 with Retry-After is
/// backpressure, not failure: the batch is sent again after the wait.
/// </summary>
internal static class IngestLoad
{
    public static async Task<(long Events, long Failures, long Retries, string? FirstFailure)> RunAsync(
        HttpClient http, string path, string contentType, IReadOnlyList<(byte[] Body, int Events)> batches, long totalBatches,
        int connections, double secondsPerBatch, LatencyRecorder latencies)
    {
        long next = -1, events = 0, failures = 0, retries = 0;
        string? firstFailure = null;
        var started = Stopwatch.GetTimestamp();

        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n >= totalBatches)
                {
                    return;
                }

                if (secondsPerBatch > 0)
                {
                    var due = started + (long)(n * secondsPerBatch * Stopwatch.Frequency);
                    var wait = due - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                    }
                }

                var batch = batches[(int)(n % batches.Count)];
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    // A 503 with Retry-After is backpressure, not failure: wait as told and send the batch again,
                    // as OpenTelemetry and Seq clients do. Latency counts from the first attempt.
                    while (true)
                    {
                        using var content = new ByteArrayContent(batch.Body);
                        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                        using var response = await http.PostAsync(path, content);
                        if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } delay)
                        {
                            Interlocked.Increment(ref retries);
                            await Task.Delay(delay);
                            continue;
                        }

                        if (response.IsSuccessStatusCode)
                        {
                            latencies.Record(worker, Stopwatch.GetTimestamp() - sent);
                            Interlocked.Add(ref events, batch.Events);
                        }
                        else
                        {
                            Interlocked.Increment(ref failures);
                            firstFailure ??= $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                        }

                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    firstFailure ??= e.Message;
                }
            }
        })).ToArray();

        await Task.WhenAll(workers);
        return (events, failures, retries, firstFailure);
    }
}
