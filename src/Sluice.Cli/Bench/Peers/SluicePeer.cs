using System.Diagnostics;
using System.Text.Json;
using Sluice.Query.Analytics.Worker;

namespace Sluice.Cli.Bench.Peers;

/// <summary>
/// Sluice as the peer: a fresh <c>sluice serve</c> (this executable) per round, on its defaults except TTLs long
/// enough to keep the dataset's date and no result cache (ClickHouse 18.16 has none), loaded over HTTP with durable
/// acks and asked the same questions through the query language.
/// </summary>
internal sealed class SluicePeer : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private SluicePeer(Process process, Uri url)
    {
        _process = process;
        Meter = new ProcessMeter(process.Id);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromMinutes(10),
        };
    }

    public ProcessMeter Meter { get; }

    public HttpClient Http => _http;

    public static async Task<SluicePeer> StartAsync(string dataDir, int port, IReadOnlyDictionary<string, string> settings)
    {
        var launch = SqlWorkerLaunch.Beside() ?? throw new InvalidOperationException("sluice.dll is not beside this program");
        var start = new ProcessStartInfo(launch.FileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(launch.Arguments[0]);
        foreach (var arg in new[] { "serve", "--listen", $"127.0.0.1:{port}", "--data", dataDir })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SLUICE__Retention__TrafficHours"] = "1000000";
        start.Environment["SLUICE__Retention__LogDays"] = "100000";
        start.Environment["SLUICE__Query__CacheTtlSeconds"] = "0";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new SluicePeer(process, new Uri($"http://127.0.0.1:{port}/"));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var ready = await peer._http.GetAsync("health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return peer;
                }
            }
            catch (HttpRequestException) when (!process.HasExited)
            {
            }

            if (process.HasExited || deadline.Elapsed > TimeSpan.FromMinutes(1))
            {
                peer.Dispose();
                throw new InvalidOperationException($"sluice serve did not become ready on port {port}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Posts the batches over <paramref name="connections"/> connections until every one is acknowledged (fsynced),
    /// then flushes and waits until no hour awaits compaction (CompactionPolicy) — Sluice's counterpart of ClickHouse's merge.
    /// </summary>
    public async Task<LoadResult> LoadAsync(IReadOnlyList<(byte[] Body, int Events)> batches, int connections)
    {
        var bytesBefore = await StoredBytesAsync();
        Meter.ResetPeak();
        var cpuBefore = Meter.Cpu();
        var started = Stopwatch.GetTimestamp();
        var (events, failures, _, firstFailure) = await IngestLoad.RunAsync(_http, "/api/ingest", "application/x-ndjson", batches, batches.Count, connections, 0, new LatencyRecorder(connections));
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} batches failed; first: {firstFailure}");
        }

        var acked = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using (var flush = await _http.PostAsync("api/admin/flush", null))
        {
            flush.EnsureSuccessStatusCode();
        }

        while (!await SettledAsync())
        {
            await Task.Delay(100);
        }

        var settledSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new LoadResult(events, acked, settledSeconds, Meter.Cpu() - cpuBefore, Meter.PeakResidentBytes(), await StoredBytesAsync() - bytesBefore);
    }

    /// <summary>Removes every event of one day (a manual cleanup), so the warm-up's events are not asked about.</summary>
    public async Task DropDayAsync(long dayStart)
    {
        var body = JsonSerializer.Serialize(new
        {
            policy = "manual",
            kind = "all",
            start_time = DateTimeOffset.FromUnixTimeMilliseconds(dayStart).ToString("O"),
            end_time = DateTimeOffset.FromUnixTimeMilliseconds(dayStart + (25 * 3_600_000L)).ToString("O"),
            force = true,
        });
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync("api/traffic-logs/v2/cleanup", content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the warm-up's cleanup answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task<bool> SettledAsync()
    {
        using var stats = JsonDocument.Parse(await _http.GetStringAsync("api/storage/stats"));
        var partitions = stats.RootElement.GetProperty("partitions");
        return partitions.GetProperty("log").GetProperty("parts_awaiting_compaction").GetInt64() == 0
            && partitions.GetProperty("traffic").GetProperty("parts_awaiting_compaction").GetInt64() == 0;
    }

    /// <summary>Bytes of every part and stats file in the partitions tier.</summary>
    private async Task<long> StoredBytesAsync()
    {
        using var stats = JsonDocument.Parse(await _http.GetStringAsync("api/storage/stats"));
        var partitions = stats.RootElement.GetProperty("partitions");
        return partitions.GetProperty("log").GetProperty("bytes").GetInt64() + partitions.GetProperty("traffic").GetProperty("bytes").GetInt64();
    }

    public void Dispose()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
