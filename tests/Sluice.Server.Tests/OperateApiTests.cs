using System.Text;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

public sealed class OperateApiTests
{
    [Fact]
    public async Task Metrics_count_accepted_and_rejected_events_wal_work_and_ack_latency()
    {
        await using var server = await TestServer.StartAsync();
        await server.PostAsync("/api/ingest", "{\"message\":\"a\"}\n{\"message\":\"b\"}\n{\"level\":\"info\"}", "application/x-ndjson");
        await server.PostAsync("/api/ingest", "nope", "text/html");

        var text = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_ingest_events_accepted_total{endpoint=\"/api/ingest\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_ingest_events_rejected_total{endpoint=\"/api/ingest\",reason=\"missing_field\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_ingest_events_rejected_total{endpoint=\"/api/ingest\",reason=\"unsupported_media_type\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_http_requests_total{endpoint=\"/api/ingest\",status=\"415\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_ingest_ack_seconds_count 1\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_ingest_ack_seconds_bucket{le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_hot_rows 2\n", text, StringComparison.Ordinal);
        Assert.Matches(@"sluice_wal_fsyncs_total [1-9]", text);
        Assert.Matches(@"sluice_wal_bytes_written_total [1-9]", text);
        Assert.Contains("# TYPE sluice_ingest_ack_seconds histogram", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_probes_answer()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Contains("live", await server.Http.GetStringAsync("/health/live"), StringComparison.Ordinal);
        Assert.Contains("ready", await server.Http.GetStringAsync("/health/ready"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_ip_appears_nowhere_on_disk()
    {
        const string ip = "192.0.2.187";
        await using var server = await TestServer.StartAsync();
        var (status, _, _) = await server.PostAsync("/api/traffic-logs/v2",
            $$$"""[{"domain":"d.example","ip":"{{{ip}}}","context":{"remote_ip":"{{{ip}}}"}},{"message":"m","client_ip":"{{{ip}}}"}]""");
        Assert.Equal(200, status);
        Assert.Equal(200, (await server.PostAsync("/api/admin/flush", "")).Status);
        await server.StopAsync();

        // Parquet pages are zstd-compressed, so the scan below only proves the WAL, manifest and stats files clean;
        // the parts are read back through the engine instead.
        var needle = Encoding.UTF8.GetBytes(ip);
        var files = Directory.EnumerateFiles(server.DataDir, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith(".wal", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".parquet", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{file} holds the raw IP");
        }

        await server.RestartAsync();
        var stored = await Api.SearchAllAsync(server, "order=asc");
        Assert.Equal(2, stored.Count);
        Assert.All(stored, e => Assert.DoesNotContain(ip, e.GetRawText(), StringComparison.Ordinal));
        Assert.Equal(0, (await server.GetJsonAsync("/api/storage/stats")).GetProperty("hot").GetProperty("events").GetInt64());
    }

    [Fact]
    public async Task Metrics_show_sealing_and_what_the_partitions_hold()
    {
        await using var server = await TestServer.StartAsync();
        await server.PostAsync("/api/ingest", "{\"message\":\"a\"}\n{\"message\":\"b\",\"kind\":\"traffic\"}", "application/x-ndjson");
        Assert.Equal(200, (await server.PostAsync("/api/admin/flush", "")).Status);

        var stats = await server.GetJsonAsync("/api/storage/stats");
        Assert.Equal(1, stats.GetProperty("hot").GetProperty("traffic").GetProperty("events").GetInt64());
        Assert.Equal(1, stats.GetProperty("hot").GetProperty("log").GetProperty("events").GetInt64());
        Assert.Equal(1, stats.GetProperty("partitions").GetProperty("traffic").GetProperty("events").GetInt64());
        Assert.Equal(1, stats.GetProperty("partitions").GetProperty("log").GetProperty("parts").GetInt64());
        Assert.True(stats.GetProperty("wal").GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(2, stats.GetProperty("persisted_through_seq").GetInt64());

        var text = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_storage_events_sealed_total 2\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_storage_parts_written_total 2\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_storage_events{tier=\"partitions\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_storage_parts{tier=\"archive\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_storage_persisted_through_seq 2\n", text, StringComparison.Ordinal);
        Assert.Contains("sluice_storage_seal_seconds_count 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_survive_a_clean_restart_and_the_same_ip_hashes_the_same()
    {
        await using var server = await TestServer.StartAsync();
        var first = await server.PostAsync("/api/logs/store", """{"id":"restart-1","message":"before","ip":"192.0.2.1"}""");
        Assert.Equal(200, first.Status);
        var before = await server.GetJsonAsync("/api/logs/restart-1");
        await server.RestartAsync();

        var after = await server.GetJsonAsync("/api/logs/restart-1");
        Assert.Equal("before", after.GetProperty("message").GetString());
        await server.PostAsync("/api/logs/store", """{"id":"restart-2","message":"after","ip":"192.0.2.1"}""");
        var second = await server.GetJsonAsync("/api/logs/restart-2");
        Assert.Equal(before.GetProperty("ip_hash").GetString(), second.GetProperty("ip_hash").GetString());
    }

    [Fact]
    public async Task Torn_wal_tail_is_cut_on_restart_and_earlier_events_remain()
    {
        await using var server = await TestServer.StartAsync();
        await server.PostAsync("/api/logs/store", """{"id":"torn-1","message":"kept"}""");
        await server.PostAsync("/api/logs/store", """{"id":"torn-2","message":"cut"}""");
        await server.StopAsync();

        var segment = Directory.GetFiles(Path.Combine(server.DataDir, "wal"), "*.wal").Order().Last();
        await using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.SetLength(stream.Length - 3);
        }

        await server.RestartAsync();
        Assert.Equal("kept", (await server.GetJsonAsync("/api/logs/torn-1")).GetProperty("message").GetString());
        using var missing = await server.Http.GetAsync("/api/logs/torn-2");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal(200, (await server.PostAsync("/api/logs/store", """{"id":"torn-3","message":"after"}""")).Status);
    }

    [Fact]
    public async Task A_second_server_cannot_open_the_same_data_directory()
    {
        await using var server = await TestServer.StartAsync();
        var error = await Assert.ThrowsAsync<IOException>(() => TestServer.StartAsync(dataDir: server.DataDir));
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
    }
}
