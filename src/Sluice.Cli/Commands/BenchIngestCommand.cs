using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Sluice.Cli.Bench;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench ingest --url URL --file FILE [--connections C] [--batch B] [--rate EVENTS_PER_S] [--path /api/ingest] [--repeat R]
/// [--protocol native|otlp|otlp-json|clef|loki|loki-json|bulk|syslog] [--syslog-port P]</c>: posts the file in batches over C
/// connections — NDJSON, or each batch re-encoded in a standard protocol (syslog: over TCP to the syslog port) — and
/// prints events/s and ack latency percentiles.
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
        var protocol = args.Get("protocol") ?? "native";
        _ = args.Get("syslog-port"); // read by SyslogAsync
        args.RejectUnknown();

        // Each batch re-encoded in the protocol before the clock starts (ProtocolEncoder).
        var encoded = NdjsonBatches.Load(file, batchSize).Select(b => (Encoded: ProtocolEncoder.Encode(protocol, b.Body, path), b.Events)).ToList();
        var batches = encoded.Select(b => (Body: b.Encoded.Body, b.Events)).ToList();
        var contentType = encoded.Count > 0 ? encoded[0].Encoded.ContentType : "application/x-ndjson";
        path = encoded.Count > 0 ? encoded[0].Encoded.Path : path;
        var totalBatches = batches.Count * repeat;
        Console.WriteLine($"loaded {batches.Sum(b => b.Events):N0} events in {batches.Count:N0} batches of ≤{batchSize}; {connections} connections{(rate > 0 ? $", open loop at {rate:N0} events/s" : "")}");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60),
        };

        if (protocol == "syslog")
        {
            return await SyslogAsync(url, (int)args.GetLong("syslog-port", 0), batches, connections);
        }

        var latencies = new LatencyRecorder(connections);
        var started = Stopwatch.GetTimestamp();
        var (events, failures, retries, firstFailure) = await IngestLoad.RunAsync(http, path, contentType, batches, totalBatches, connections, rate > 0 ? (double)batchSize / rate : 0, latencies);

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var p = latencies.Percentiles(0.5, 0.99, 0.999);
        Console.WriteLine($"events/s: {events / seconds:N0}  ({events:N0} events acked in {seconds:F2} s, {latencies.Count:N0} requests, {failures} failed, {retries} retried after 503)");
        Console.WriteLine($"ack latency ms: p50 {p[0]:F2}  p99 {p[1]:F2}  p999 {p[2]:F2}");
        if (firstFailure is not null)
        {
            Console.WriteLine($"first failure: {firstFailure}");
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// Syslog has no acknowledgement: the batches are written over C TCP connections, and the time runs until the
    /// server's own count of stored syslog events (<c>/metrics</c>) has grown by all of them.
    /// </summary>
    private static async Task<int> SyslogAsync(Uri url, int port, List<(byte[] Body, int Events)> batches, int connections)
    {
        if (port <= 0)
        {
            Console.Error.WriteLine("sluice bench ingest --protocol syslog needs --syslog-port (the server's Syslog:TcpPort)");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = url };
        var before = await StoredSyslog(http);
        var total = batches.Sum(b => b.Events);
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(url.Host, port);
            var stream = client.GetStream();
            int n;
            while ((n = Interlocked.Increment(ref next)) < batches.Count)
            {
                await stream.WriteAsync(batches[n].Body);
            }
        })));

        long stored;
        while ((stored = await StoredSyslog(http) - before) < total && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(20);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine($"events/s: {stored / seconds:N0}  ({stored:N0} of {total:N0} events stored in {seconds:F2} s over {connections} TCP connections)");
        return stored >= total ? 0 : 1;
    }

    private static async Task<long> StoredSyslog(HttpClient http)
    {
        var metrics = await http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("sluice_ingest_events_accepted_total{endpoint=\"syslog/tcp\"}", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
