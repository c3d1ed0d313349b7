using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;
using Xunit.Abstractions;

namespace Sluice.Server.Tests.Hardening;

/// <summary>
/// The reviewers' hostile requests against the real executable in a process of its own, its resident memory
/// watched all along: every answer is documented (no 500), the process stays within the memory budget its
/// settings give (design.md, "Memory budget") plus a stated margin, SQL workers within their cap, and every
/// event acknowledged before is still there afterwards.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    /// <summary>Smaller than the defaults, so the budget is small and a breach shows.</summary>
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["SLUICE__Memory__MaxUnflushedMb"] = "8",
        ["SLUICE__Memory__MaxRequestMb"] = "32",
        ["SLUICE__Hot__MaxBytes"] = "33554432",
        ["SLUICE__Hot__ChunkBytes"] = "4194304",
        ["SLUICE__Storage__SealBytes"] = "8388608",
        ["SLUICE__Storage__QueryMemoryMb"] = "128",
        ["SLUICE__Query__MaxAnswerMb"] = "4",
        ["SLUICE__Query__MaxConcurrent"] = "2",
        ["SLUICE__Query__QueueWaitMs"] = "30000",
        ["SLUICE__Query__SqlWorkers"] = "1",
        ["SLUICE__Query__SqlWorkerMemoryMb"] = "512",
        ["SLUICE__Query__TimeoutMs"] = "5000",
        ["SLUICE__Query__CacheMaxMb"] = "8",
    };

    /// <summary>
    /// The budget those settings give (design.md): runtime 120, requests being read 32 plus one request alone (at
    /// most its 16 MiB body, a JSON document and a translation: 64), rows waiting for the log 8, hot tier 32,
    /// sealing 130, two engines of 128, answers 2 × 4, cache 8, duplicate keys 20 — about 680 MiB.
    /// </summary>
    private const long BudgetBytes = (120 + 32 + 64 + 8 + 32 + 130 + 256 + 8 + 8 + 20) * MiB;

    /// <summary>What the garbage collector may hold beyond live data (Server GC keeps generous budgets).</summary>
    private const long MarginBytes = 400 * MiB;

    [Fact]
    public async Task Hostile_requests_get_documented_answers_within_the_memory_budget_and_lose_nothing()
    {
        var dataDir = TestServer.NewDataDir();
        var syslogPort = SluiceProcess.FreePort();
        var settings = new Dictionary<string, string>(Settings) { ["SLUICE__Syslog__TcpPort"] = syslogPort.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        using var sluice = await SluiceProcess.StartAsync(dataDir, SluiceProcess.FreePort(), settings);
        using var http = new HttpClient { BaseAddress = sluice.Url, Timeout = TimeSpan.FromSeconds(60) };
        using var watch = new MemoryWatch(sluice.ProcessId);
        try
        {
            var acknowledged = await IngestWitnessesAsync(http);

            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ExpectAsync(http, Post("/api/events/raw", SeqEnvelope(), "application/json"), 400, 201)));
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ExpectAsync(http, Post("/api/events/raw?clef", Clef(), "application/vnd.serilog.clef"), 400, 201)));
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ExpectCodeAsync(http, Sql("SELECT length(repeat('x', 1000000000))"), 503, "query_memory")));
            // 2,048 rows of 60 KB make one engine vector of 120 MB: a 512 MiB worker may cut the answer or run out,
            // and on a machine busy with other work it may reach the deadline first (seen in CI runs under load).
            var cut = await ExpectAsync(http, Sql("SELECT repeat('x', 60000) AS s FROM logs a, logs b LIMIT 10000"), 200, 503, 504);
            Assert.True(cut.TryGetProperty("truncated_by", out var by) ? by.GetString() == "bytes" : cut.GetProperty("code").GetString() is "query_memory" or "query_timeout", cut.ToString());
            await ExpectAsync(http, Sql("SELECT repeat('x', 300000000) AS s"), 200, 503);
            await ExpectAsync(http, Sql("SELECT 'infinity'::TIMESTAMP AS t, DATE '0001-01-01' - 1000 AS d, 'ab'::BLOB AS b, INTERVAL 3 DAY AS i"), 200);
            await ExpectCodeAsync(http, Sql("SELECT length(lpad('x', 2000000000, 'y'))"), 504, "query_timeout");
            await ExpectCodeAsync(http, Post("/log", """{"message":"visible\u0000hidden-payload","service":"nulsvc"}""", "application/json"), 400, "invalid_value");
            await ExpectCodeAsync(http, new HttpRequestMessage(HttpMethod.Get, "/api/logs/search?q=base%20event%201%00zzz"), 400, "invalid_parameter");
            await ExpectCodeAsync(http, Encoded(Enumerable.Range(0, 1000).Select(i => (byte)(i * 7919)).ToArray(), "br"), 400, "unsupported_encoding");
            Assert.StartsWith("HTTP/1.1 400", await RawAsync(sluice.Url, "POST /api/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc\r\n0\r\n\r\n"), StringComparison.Ordinal);
            await ExpectCodeAsync(http, Post("/loki/api/v1/push", SnappyClaiming(16_000_000), "application/x-protobuf"), 400, null);
            await ExpectCodeAsync(http, Post("/v1/logs", """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"99999999999999999999999"}]}]}]}""", "application/json"), 400, null);
            await ExpectCodeAsync(http, Post("/api/logs/store", "{\"message\":\"m\",\"a\":" + new string('[', 300) + new string(']', 300) + "}", "application/json"), 400, "too_deep");
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ExpectAsync(http, Post("/api/logs/store", Flattening(), "application/json"), 400, 413)));
            await ExpectAsync(http, Post("/api/ingest", "{\"message\":\"ok\"}\n" + string.Concat(Enumerable.Repeat("{x\n", 50_000)), "application/x-ndjson"), 200);
            await ExpectCodeAsync(http, Post("/api/v1/formulas/execute", """{"formula":"2+3"}""", "application/json"), 400, "invalid_formula");
            await ExpectCodeAsync(http, Post("/api/logs/analytics/custom", """{"sql":123}""", "application/json"), 400, "invalid_type");
            await IdleSyslogConnectionsAsync(syslogPort);

            // Nothing acknowledged before is gone, from memory or from parts.
            await ExpectAsync(http, Post("/api/admin/flush", "", "application/json"), 200);
            var stored = await SearchAllIdsAsync(http, "service=witness");
            Assert.Equal(acknowledged.Order(), stored.Order());
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        finally
        {
            watch.Stop();
        }

        output.WriteLine($"peak resident memory: server {watch.PeakServerBytes / MiB} MiB (budget {BudgetBytes / MiB} + margin {MarginBytes / MiB}), SQL worker {watch.PeakWorkerBytes / MiB} MiB");
        Assert.True(watch.PeakServerBytes < BudgetBytes + MarginBytes,
            $"the server's resident memory peaked at {watch.PeakServerBytes / MiB} MiB; budget {BudgetBytes / MiB} MiB + margin {MarginBytes / MiB} MiB");
        Assert.True(watch.PeakWorkerBytes < (512 + 128) * MiB,
            $"a SQL worker's resident memory peaked at {watch.PeakWorkerBytes / MiB} MiB for a cap of 512 MiB of data (+128 MiB for code)");
        Assert.True(watch.PeakWorkerBytes > 0, "no SQL worker was seen: the watch did not watch");
    }

    [Fact]
    public async Task On_a_full_disk_flush_answers_507_leaves_nothing_half_written_and_recovers_when_space_returns()
    {
        // A real full disk: a 24 MiB tmpfs mounted in a mount namespace of the server's own (unshare, no root needed),
        // seen from here through /proc/<pid>/root.
        var mount = Path.Combine(Path.GetTempPath(), "sluice-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mount);
        var port = SluiceProcess.FreePort();
        var start = new ProcessStartInfo("unshare");
        foreach (var arg in new[] { "-rm", "sh", "-c", "mount -t tmpfs -o size=24m tmpfs \"$1\" && exec dotnet \"$2\" serve --listen 127.0.0.1:$3 --data \"$1/data\"", "sh", mount, SluiceProcess.Executable, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SLUICE__Wal__SegmentBytes"] = "1048576";
        try
        {
            // exec all the way down: the process started is the server itself.
            using var sluice = await SluiceProcess.StartAsync(start, port);
            using var http = new HttpClient { BaseAddress = sluice.Url, Timeout = TimeSpan.FromSeconds(30) };
            var inside = $"/proc/{sluice.ProcessId}/root{mount}";
            var filler = Path.Combine(inside, "filler");
            await File.WriteAllBytesAsync(filler, new byte[14 * MiB]);

            // Fill the rest: every acknowledged event is kept; past the full disk, 503 and nothing acknowledged.
            var acknowledged = new List<string>();
            var refused = false;
            for (var batch = 0; batch < 400 && !refused; batch++)
            {
                var ids = Enumerable.Range(0, 200).Select(i => $"f{batch}-{i}").ToList();
                // Messages that do not compress: the part a flush writes needs about the room the log took.
                var body = string.Join('\n', ids.Select(id => $$"""{"id":"{{id}}","message":"{{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(150))}}","service":"full"}"""));
                using var response = await http.PostAsync("/api/ingest", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged.AddRange(ids);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Assert.DoesNotContain(mount, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    refused = true;
                }
            }

            Assert.True(refused, "the disk never filled");
            using (var flush = await http.PostAsync("/api/admin/flush", null))
            {
                var text = await flush.Content.ReadAsStringAsync();
                Assert.True(flush.StatusCode == HttpStatusCode.InsufficientStorage, $"{(int)flush.StatusCode}: {text}");
                Assert.Equal("storage_full", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
                Assert.DoesNotContain(mount, text, StringComparison.Ordinal);
            }

            Assert.Empty(Directory.EnumerateFiles(inside, "*.tmp", SearchOption.AllDirectories));

            // Space returns: the flush seals everything, and every acknowledged event is there.
            File.Delete(filler);
            await ExpectAsync(http, Post("/api/admin/flush", "", "application/json"), 200);
            Assert.Equal(acknowledged.Order(), (await SearchAllIdsAsync(http, "service=full")).Order());
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        finally
        {
            Directory.Delete(mount, recursive: true);
        }
    }

    private static async Task<List<string>> IngestWitnessesAsync(HttpClient http)
    {
        var ids = Enumerable.Range(0, 3000).Select(i => $"w{i}").ToList();
        foreach (var batch in ids.Chunk(1000))
        {
            var body = string.Join('\n', batch.Select(id => $$"""{"id":"{{id}}","message":"base event {{id}}","service":"witness"}"""));
            await ExpectAsync(http, Post("/api/ingest", body, "application/x-ndjson"), 200);
        }

        return ids;
    }

    /// <summary>The 84 KB request that took the server past 4 GB: a hole repeated 8,000 times over a 60,000-character property.</summary>
    private static string SeqEnvelope() =>
        "{\"Events\":[{\"Timestamp\":\"2026-12-02T00:00:00Z\",\"MessageTemplate\":\"" + string.Concat(Enumerable.Repeat("{a}", 8000))
        + "\",\"Properties\":{\"a\":\"" + new string('z', 60_000) + "\"}}]}";

    private static string Clef() =>
        "{\"@t\":\"2026-12-02T00:00:00Z\",\"@mt\":\"" + string.Concat(Enumerable.Repeat("{a}", 8000)) + "\",\"a\":\"" + new string('z', 60_000) + "\"}\n";

    /// <summary>256 attributes under a 500-byte prefix, each 64 KB: an event that flattens past 16 MB (its body is past 16 MiB too).</summary>
    private static string Flattening() =>
        "{\"message\":\"m\",\"" + new string('p', 500) + "\":{" + string.Join(",", Enumerable.Range(0, 256).Select(i => $"\"k{i}\":\"{new string('v', 64 * 1024)}\"")) + "}}";

    private static byte[] SnappyClaiming(int length)
    {
        var header = new List<byte>();
        for (var n = (uint)length; ; n >>= 7)
        {
            header.Add((byte)((n & 0x7fu) | (n >= 0x80 ? 0x80u : 0u)));
            if (n < 0x80)
            {
                break;
            }
        }

        return [.. header, 0x00, (byte)'a'];
    }

    /// <summary>More idle syslog connections than one sender may hold: the rest are closed at once, and a newcomer still gets in.</summary>
    private static async Task IdleSyslogConnectionsAsync(int port)
    {
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                idle.Add(client);
            }

            using var newcomer = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0));
            await newcomer.ConnectAsync(IPAddress.Loopback, port);
            await newcomer.GetStream().WriteAsync(Encoding.ASCII.GetBytes("<14>1 - h newcomer - - - got in\n"));
        }
        finally
        {
            idle.ForEach(c => c.Dispose());
        }
    }

    private static HttpRequestMessage Sql(string sql) => Post("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql }), "application/json");

    private static HttpRequestMessage Post(string path, string body, string type) => Post(path, Encoding.UTF8.GetBytes(body), type);

    private static HttpRequestMessage Post(string path, byte[] body, string type)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new(type);
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    private static HttpRequestMessage Encoded(byte[] body, string encoding)
    {
        var request = Post("/api/ingest", body, "application/x-ndjson");
        request.Content!.Headers.ContentEncoding.Add(encoding);
        return request;
    }

    private static async Task<JsonElement> ExpectAsync(HttpClient http, HttpRequestMessage request, params int[] statuses)
    {
        using (request)
        using (var response = await http.SendAsync(request))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(statuses.Contains((int)response.StatusCode), $"{request.Method} {request.RequestUri} → {(int)response.StatusCode}: {text[..Math.Min(400, text.Length)]}");
            return text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        }
    }

    private static async Task ExpectCodeAsync(HttpClient http, HttpRequestMessage request, int status, string? code)
    {
        var body = await ExpectAsync(http, request, status);
        if (code is not null)
        {
            Assert.Equal(code, body.GetProperty("code").GetString());
        }
    }

    private static async Task<string> RawAsync(Uri url, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static async Task<List<string>> SearchAllIdsAsync(HttpClient http, string query)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = JsonDocument.Parse(await http.GetStringAsync($"/api/logs/search?{query}&limit=1000{(cursor is null ? "" : "&cursor=" + cursor)}")).RootElement;
            ids.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    /// <summary>
    /// Samples the server's peak resident memory (VmHWM, kept by the kernel, so nothing between samples is missed)
    /// and every SQL worker's (its children's) while the test runs.
    /// </summary>
    private sealed class MemoryWatch : IDisposable
    {
        private readonly int _pid;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;

        public MemoryWatch(int pid)
        {
            _pid = pid;
            _sampling = Task.Run(SampleAsync);
        }

        public long PeakServerBytes { get; private set; }

        public long PeakWorkerBytes { get; private set; }

        public void Stop()
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
                _sampling.Wait();
                Sample();
            }
        }

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
        }

        private async Task SampleAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(20).ConfigureAwait(false);
            }
        }

        private void Sample()
        {
            PeakServerBytes = Math.Max(PeakServerBytes, Status(_pid, "VmHWM:"));
            foreach (var child in Children(_pid))
            {
                PeakWorkerBytes = Math.Max(PeakWorkerBytes, Status(child, "VmHWM:"));
            }
        }

        private static IEnumerable<int> Children(int pid)
        {
            foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task") : [])
            {
                string children;
                try
                {
                    children = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (IOException)
                {
                    continue;
                }

                foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    yield return int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        /// <summary>A kB line of /proc/PID/status, in bytes; 0 once the process is gone.</summary>
        private static long Status(int pid, string key)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }
    }
}
