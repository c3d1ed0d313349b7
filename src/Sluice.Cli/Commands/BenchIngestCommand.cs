using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Sluice.Cli.Bench;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench ingest --url URL --file FILE [--connections C] [--batch B] [--rate EVENTS_PER_S] [--path /api/ingest] [--repeat R]</c>:
/// posts the file in NDJSON batches over C connections and prints events/s and ack latency percentiles.
/// With --rate the load is open-loop (batches leave on a fixed schedule), which is how latency at a given
/// rate is measured; without it every connection sends as fast as acks come back.
/// </summary>
public static class BenchIngestCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var url = new Uri(args.Require("url"));
        var file = args.Require("file");
        var connections = (int)Math.Max(1, args.GetLong("connections", 8));
        var batchSize = (int)Math.Max(1, args.GetLong("batch", 500));
        var rate = args.GetLong("rate", 0);
        var path = args.Get("path") ?? "/api/ingest";
        var repeat = (int)Math.Max(1, args.GetLong("repeat", 1));
        args.RejectUnknown();

        var batches = LoadBatches(file, batchSize);
        var totalBatches = batches.Count * repeat;
        Console.WriteLine($"loaded {batches.Sum(b => b.Events):N0} events in {batches.Count:N0} batches of ≤{batchSize}; {connections} connections{(rate > 0 ? $", open loop at {rate:N0} events/s" : "")}");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60),
        };

        var latencies = new LatencyRecorder(connections);
        long next = -1, events = 0, failures = 0;
        string? firstFailure = null;
        var started = Stopwatch.GetTimestamp();
        var secondsPerBatch = rate > 0 ? (double)batchSize / rate : 0;

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
                using var content = new ByteArrayContent(batch.Body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync(path, content);
                    var elapsed = Stopwatch.GetTimestamp() - sent;
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        latencies.Record(worker, elapsed);
                        Interlocked.Add(ref events, batch.Events);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                        firstFailure ??= $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
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

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var p = latencies.Percentiles(0.5, 0.99, 0.999);
        Console.WriteLine($"events/s: {events / seconds:N0}  ({events:N0} events acked in {seconds:F2} s, {latencies.Count:N0} requests, {failures} failed)");
        Console.WriteLine($"ack latency ms: p50 {p[0]:F2}  p99 {p[1]:F2}  p999 {p[2]:F2}");
        if (firstFailure is not null)
        {
            Console.WriteLine($"first failure: {firstFailure}");
        }

        return failures == 0 ? 0 : 1;
    }

    private static List<(byte[] Body, int Events)> LoadBatches(string file, int batchSize)
    {
        var data = File.ReadAllBytes(file);
        var batches = new List<(byte[], int)>();
        var span = data.AsSpan();
        var start = 0;
        var lines = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] != (byte)'\n')
            {
                continue;
            }

            lines++;
            if (lines == batchSize)
            {
                batches.Add((span[start..(i + 1)].ToArray(), lines));
                start = i + 1;
                lines = 0;
            }
        }

        if (start < span.Length)
        {
            batches.Add((span[start..].ToArray(), lines + (span[^1] == (byte)'\n' ? 0 : 1)));
        }

        return batches;
    }
}
