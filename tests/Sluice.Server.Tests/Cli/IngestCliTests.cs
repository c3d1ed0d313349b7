using System.IO.Compression;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

public sealed class IngestCliTests
{
    [Fact]
    public async Task Ndjson_gzip_and_zstd_files_are_stored_once_each_with_plain_progress_lines()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-ingest-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var env = Environment(server, dir);
            var file = Path.Combine(dir, "events.ndjson");
            Assert.Equal(0, (await CliTests.Run("bench", "gen", "--events", "2000", "--seed", "3", "--out", file)).Exit);

            var (exit, output) = await CliTests.Run(env, null, "ingest", file, "--batch", "300");
            Assert.True(exit == 0, output);
            Assert.Contains("sluice ingest: 2,000 lines read, 2,000 events acked, 0 refused,", output, StringComparison.Ordinal);
            Assert.Contains("ingested 2,000 events (ndjson, none)", output, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);

            // The same events compressed, under names that do not say so: read by their magic bytes.
            var gzip = Path.Combine(dir, "events-gz.log");
            await using (var target = File.Create(gzip))
            await using (var compress = new GZipStream(target, CompressionLevel.Fastest))
            {
                await compress.WriteAsync(await File.ReadAllBytesAsync(file));
            }

            var zstd = Path.Combine(dir, "events-zst.log");
            using (var compressor = new ZstdSharp.Compressor(3))
            {
                await File.WriteAllBytesAsync(zstd, compressor.Wrap(await File.ReadAllBytesAsync(file)).ToArray());
            }

            (exit, output) = await CliTests.Run(env, null, "ingest", gzip);
            Assert.True(exit == 0, output);
            Assert.Contains("ingested 2,000 events (ndjson, gzip)", output, StringComparison.Ordinal);
            (exit, output) = await CliTests.Run(env, null, "ingest", zstd);
            Assert.True(exit == 0, output);
            Assert.Contains("ingested 2,000 events (ndjson, zstd)", output, StringComparison.Ordinal);

            // Three files, three identities: 6,000 events, each of the file's lines three times.
            var stored = await AllEvents(server);
            Assert.Equal(6000, stored.Count);
            Assert.Equal(6000, stored.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
            var lines = await File.ReadAllLinesAsync(file);
            var messages = lines.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("message", out _)).Select(e => e.GetProperty("message").GetString()).Order().ToList();
            var storedMessages = stored.Where(e => e.TryGetProperty("message", out _)).Select(e => e.GetProperty("message").GetString()).Order().ToList();
            Assert.Equal(messages.SelectMany(m => new[] { m, m, m }).Order().ToList(), storedMessages);

            // Run again: the state says the file is done, nothing is sent twice.
            (exit, output) = await CliTests.Run(env, null, "ingest", file);
            Assert.True(exit == 0, output);
            Assert.Contains("resuming", output, StringComparison.Ordinal);
            Assert.Equal(6000, (await AllEvents(server)).Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Plain_lines_get_their_level_service_and_properties_and_refused_lines_are_named_with_exit_3()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-ingest-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var env = Environment(server, dir);
            var plain = Path.Combine(dir, "app.log");
            await File.WriteAllLinesAsync(plain, ["2026-12-01 10:00:00 ERROR payment failed for order 7", "", "2026-12-01 10:00:01 warn disk almost full", "just a line"]);
            var (exit, output) = await CliTests.Run(env, null, "ingest", plain, "--service", "billing", "--property", "env=prod", "--property", "team=pay");
            Assert.True(exit == 0, output);
            Assert.Contains("ingested 3 events (plain, none) from 4 lines", output, StringComparison.Ordinal);
            var stored = (await AllEvents(server)).OrderBy(e => e.GetProperty("message").GetString()).ToList();
            Assert.Equal(["error", "warn", "info"], stored.Select(e => e.GetProperty("level").GetString()));
            Assert.All(stored, e => Assert.Equal("billing", e.GetProperty("service").GetString()));
            Assert.All(stored, e => Assert.Equal("prod", e.GetProperty("attributes").GetProperty("env").GetString()));
            Assert.All(stored, e => Assert.Equal("pay", e.GetProperty("attributes").GetProperty("team").GetString()));

            var bad = Path.Combine(dir, "bad.ndjson");
            await File.WriteAllLinesAsync(bad, ["{\"message\":\"one\"}", "{\"message\":\"two\",\"status\":\"high\"}", "not json {", "{\"message\":\"four\"}"]);
            (exit, output) = await CliTests.Run(env, null, "ingest", bad, "--format", "ndjson");
            Assert.True(exit == 3, output);
            Assert.Contains("line 2: refused: ", output, StringComparison.Ordinal);
            Assert.Contains("line 3: refused: ", output, StringComparison.Ordinal);
            Assert.Contains("ingested 2 events", output, StringComparison.Ordinal);
            Assert.Equal(5, (await AllEvents(server)).Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_interrupted_ingest_continues_where_the_server_acked_and_stores_every_line_exactly_once()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-ingest-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var env = Environment(server, dir);
            var file = Path.Combine(dir, "events.ndjson");
            Assert.Equal(0, (await CliTests.Run("bench", "gen", "--events", "3000", "--seed", "9", "--out", file)).Exit);
            var stateDir = Path.Combine(dir, "config", "ingest");

            using (var first = CliProcess.Start(env, "ingest", file, "--batch", "50", "--connections", "3", "--rate", "400"))
            {
                await CliProcess.WaitUntilAsync(() => AckedLine(stateDir) >= 500, "the state file to show progress");
                await first.KillAsync();
            }

            var killedAt = AckedLine(stateDir);
            Assert.InRange(killedAt, 500, 2999);

            // Ctrl-C: the run stops cleanly with 130 and says where a rerun continues.
            using (var second = CliProcess.Start(env, "ingest", file, "--batch", "50", "--connections", "3", "--rate", "400"))
            {
                await CliProcess.WaitUntilAsync(() => AckedLine(stateDir) >= killedAt + 300, "more progress");
                await second.InterruptAsync();
                Assert.Equal(130, second.ExitCode);
                Assert.Contains(second.Stderr, l => l.StartsWith($"sluice ingest: resuming {file} after line {killedAt:N0}", StringComparison.Ordinal));
                Assert.Contains(second.Stderr, l => l.StartsWith("sluice ingest: interrupted after line ", StringComparison.Ordinal));
            }

            var before = AckedLine(stateDir);
            Assert.InRange(before, killedAt + 300, 2999);
            var (exit, output) = await CliTests.Run(env, null, "ingest", file, "--batch", "50", "--connections", "3");
            Assert.True(exit == 0, output);
            Assert.Contains($"resuming {file} after line {before:N0}", output, StringComparison.Ordinal);
            Assert.Contains($"from {3000 - before:N0} lines", output, StringComparison.Ordinal);

            // Batches in flight at the kill were sent again; the server's id window dropped them.
            var stored = await AllEvents(server);
            Assert.Equal(3000, stored.Count);
            Assert.Equal(3000, stored.Select(e => e.GetProperty("id").GetString()).Distinct().Count());

            // --restart sends the file again: the same ids, all duplicates within the window.
            (exit, output) = await CliTests.Run(env, null, "ingest", file, "--restart");
            Assert.True(exit == 0, output);
            Assert.Equal(3000, (await AllEvents(server)).Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_gone_mid_file_ends_with_exit_4_and_the_rerun_after_its_restart_stores_every_line_once()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-ingest-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var port = server.Http.BaseAddress!.Port;
            var env = Environment(server, dir);
            var file = Path.Combine(dir, "events.ndjson");
            Assert.Equal(0, (await CliTests.Run("bench", "gen", "--events", "2000", "--seed", "5", "--out", file)).Exit);

            using (var run = CliProcess.Start(env, "ingest", file, "--batch", "50", "--rate", "400", "--retries", "1"))
            {
                await CliProcess.WaitUntilAsync(() => AckedLine(Path.Combine(dir, "config", "ingest")) >= 300, "progress");
                await server.StopAsync();
                await run.WaitForExitAsync();
                Assert.Equal(4, run.ExitCode);
                Assert.Contains(run.Stderr, l => l.StartsWith("sluice ingest: the server acknowledged", StringComparison.Ordinal) && l.EndsWith("run the same command again to continue", StringComparison.Ordinal));
            }

            await server.RestartAsync(o => o with { Listen = $"127.0.0.1:{port}" });
            var (exit, output) = await CliTests.Run(env, null, "ingest", file);
            Assert.True(exit == 0, output);
            Assert.Contains("resuming", output, StringComparison.Ordinal);
            var stored = await AllEvents(server);
            Assert.Equal(2000, stored.Count);
            Assert.Equal(2000, stored.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Stdin_is_ingested_but_not_resumable_and_usage_and_unreachable_servers_have_their_exit_codes()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-ingest-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var env = Environment(server, dir);
            var (exit, output) = await CliTests.Run(env, "{\"message\":\"from stdin\",\"level\":\"warn\"}\n{\"message\":\"second\"}\n", "ingest", "-");
            Assert.True(exit == 0, output);
            Assert.Contains("not resumable", output, StringComparison.Ordinal);
            Assert.Equal(2, (await AllEvents(server)).Count);

            (exit, output) = await CliTests.Run(env, null, "ingest", "-", "--batchsize", "5");
            Assert.Equal(2, exit);
            Assert.Contains("unknown option --batchsize", output, StringComparison.Ordinal);
            (exit, output) = await CliTests.Run(env, null, "ingest", "--help");
            Assert.Equal(0, exit);
            Assert.Contains("sluice ingest FILE|-", output, StringComparison.Ordinal);
            Assert.DoesNotContain("sluice query", output, StringComparison.Ordinal);
            (exit, output) = await CliTests.Run(env, null, "query", "level:error", "--help");
            Assert.Equal(0, exit);
            Assert.Contains("sluice query 'QUERY'", output, StringComparison.Ordinal);
            Assert.DoesNotContain("sluice ingest", output, StringComparison.Ordinal);

            var closed = new Dictionary<string, string>(env) { ["SLUICE_URL"] = $"http://127.0.0.1:{SluiceProcess.FreePort()}" };
            (exit, output) = await CliTests.Run(closed, "{\"message\":\"x\"}\n", "ingest", "-");
            Assert.True(exit == 4, output);
            Assert.Contains("unreachable", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static Dictionary<string, string> Environment(TestServer server, string dir) => new()
    {
        ["SLUICE_URL"] = server.Http.BaseAddress!.ToString(),
        ["SLUICE_CONFIG_DIR"] = Path.Combine(dir, "config"),
        ["SLUICE_API_KEY"] = "",
        ["SLUICE_PROFILE"] = "",
    };

    internal static async Task<List<JsonElement>> AllEvents(TestServer server)
    {
        var page = await server.GetJsonAsync("/api/logs/search?limit=10000&start_time=0");
        return [.. page.GetProperty("events").EnumerateArray()];
    }

    private static long AckedLine(string stateDir)
    {
        try
        {
            return Directory.Exists(stateDir) && Directory.GetFiles(stateDir, "*.json") is [var file]
                ? JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("Line").GetInt64()
                : 0;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return 0;
        }
    }
}
