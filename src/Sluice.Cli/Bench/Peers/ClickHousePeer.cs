using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Sluice.Cli.Bench.Peers;

/// <summary>
/// ClickHouse as the peer: one MergeTree table for both kinds, loaded through concurrent <c>JSONEachRow</c> inserts of
/// the same NDJSON file, and asked the question set over its HTTP interface. The SQL runs on 18.16 (Debian's) and on
/// current releases.
/// </summary>
internal sealed class ClickHousePeer(Uri url, ProcessMeter? meter, int threads) : IDisposable
{
    public const string Table = "sluice_peers.events";

    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 16, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = url,
        Timeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>
    /// The schema of the side-by-side note: LowCardinality for the few-valued columns, time in ms as UInt64 (18.16 has
    /// no DateTime64), daily partitions, ordered by kind, service and time. Logs have no "kind" key, and an omitted key
    /// gets the type's zero value, so a log's kind is ''. The "metadata" object has no column and is skipped.
    /// </summary>
    private const string CreateTable = $"""
        CREATE TABLE {Table} (
            timestamp UInt64, kind LowCardinality(String), trace_id String, span_id String,
            level LowCardinality(String), service LowCardinality(String), system LowCardinality(String), host LowCardinality(String),
            message String, category LowCardinality(String), user_id String, stack_trace String,
            domain LowCardinality(String), path LowCardinality(String), method LowCardinality(String), status UInt16, ip String,
            country LowCardinality(String), decision LowCardinality(String), reason LowCardinality(String), risk UInt8,
            user_agent LowCardinality(String), gclid String
        ) ENGINE = MergeTree() PARTITION BY toDate(toDateTime(intDiv(timestamp, 1000))) ORDER BY (kind, service, timestamp)
        """;

    public async Task RecreateAsync()
    {
        await ExecuteAsync("CREATE DATABASE IF NOT EXISTS sluice_peers");
        await ExecuteAsync($"DROP TABLE IF EXISTS {Table}");
        await ExecuteAsync(CreateTable, "allow_experimental_low_cardinality_type=1");
    }

    /// <summary>Inserts the batches over <paramref name="connections"/> concurrent requests, then merges each partition to one part.</summary>
    public async Task<LoadResult> LoadAsync(IReadOnlyList<(byte[] Body, int Events)> batches, int connections)
    {
        await RecreateAsync();
        meter?.ResetPeak();
        var cpuBefore = meter?.Cpu() ?? TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < batches.Count)
            {
                using var content = new ByteArrayContent(batches[n].Body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await _http.PostAsync(QueryString($"INSERT INTO {Table} FORMAT JSONEachRow", "input_format_skip_unknown_fields=1"), content);
                await EnsureOk(response);
            }
        })));
        var acked = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await MergeToOnePartAsync();
        var settled = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = (meter?.Cpu() ?? TimeSpan.Zero) - cpuBefore;
        var rows = long.Parse(await ScalarAsync($"SELECT count() FROM {Table}"), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = long.Parse(await ScalarAsync($"SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'sluice_peers' AND table = 'events'"), System.Globalization.CultureInfo.InvariantCulture);
        return new LoadResult(rows, acked, settled, cpu, meter?.PeakResidentBytes() ?? 0, bytes);
    }

    /// <summary>
    /// 18.16's <c>OPTIMIZE … FINAL</c> returns at once without merging while background merges hold the parts, so each
    /// partition is optimized again (throwing when it could not) until it is one part.
    /// </summary>
    private async Task MergeToOnePartAsync()
    {
        while (true)
        {
            var text = await QueryTextAsync($"SELECT partition_id FROM system.parts WHERE active AND database = 'sluice_peers' AND table = 'events' GROUP BY partition_id HAVING count() > 1 FORMAT TabSeparated");
            var partitions = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (partitions.Length == 0)
            {
                return;
            }

            foreach (var partition in partitions)
            {
                using var response = await _http.PostAsync(QueryString($"OPTIMIZE TABLE {Table} PARTITION ID '{partition}' FINAL", "optimize_throw_if_noop=1"), null);
                if (!response.IsSuccessStatusCode)
                {
                    await Task.Delay(200); // merges still hold the parts: ask again
                }
            }
        }
    }

    /// <summary>A query's rows, as JSON cells, with 64-bit integers as numbers.</summary>
    public async Task<List<JsonElement[]>> QueryAsync(string sql)
    {
        var text = await QueryTextAsync(sql + " FORMAT JSONCompact", "output_format_json_quote_64bit_integers=0");
        using var document = JsonDocument.Parse(text);
        return [.. document.RootElement.GetProperty("data").EnumerateArray().Select(row => row.EnumerateArray().Select(c => c.Clone()).ToArray())];
    }

    public async Task<string> ScalarAsync(string sql) => (await QueryTextAsync(sql + " FORMAT TabSeparated")).Trim();

    private async Task<string> QueryTextAsync(string sql, string settings = "")
    {
        using var content = new StringContent(sql);
        using var response = await _http.PostAsync(QueryString(null, settings), content);
        await EnsureOk(response);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task ExecuteAsync(string sql, string settings = "") => await QueryTextAsync(sql, settings);

    /// <summary>Every request runs on the same number of threads as Sluice's engine (18.16 counts physical cores, 1 here).</summary>
    private string QueryString(string? query, string settings) =>
        $"/?max_threads={threads}" + (query is null ? "" : "&query=" + Uri.EscapeDataString(query)) + (settings.Length > 0 ? "&" + settings : "");

    private static async Task EnsureOk(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"ClickHouse answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
        }
    }

    public void Dispose() => _http.Dispose();
}
