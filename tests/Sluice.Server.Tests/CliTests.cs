using System.Diagnostics;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

public sealed class CliTests
{
    [Fact]
    public async Task Bench_gen_is_deterministic_for_a_seed()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-gen-").FullName;
        try
        {
            var a = Path.Combine(dir, "a.ndjson");
            var b = Path.Combine(dir, "b.ndjson");
            var c = Path.Combine(dir, "c.ndjson");
            Assert.Equal(0, (await Run("bench", "gen", "--events", "2000", "--seed", "7", "--out", a)).Exit);
            Assert.Equal(0, (await Run("bench", "gen", "--events", "2000", "--seed", "7", "--out", b)).Exit);
            Assert.Equal(0, (await Run("bench", "gen", "--events", "2000", "--seed", "8", "--out", c)).Exit);
            Assert.Equal(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(b));
            Assert.NotEqual(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(c));

            var lines = await File.ReadAllLinesAsync(a);
            Assert.Equal(2000, lines.Length);
            Assert.Contains(lines, l => l.Contains("\"kind\":\"traffic\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"level\":\"error\"", StringComparison.Ordinal));
            Assert.InRange(lines.Select(l => l[(l.IndexOf("\"trace_id\":\"", StringComparison.Ordinal) + 12)..][..32]).Distinct().Count(), 2000 / 40, 2000 / 10);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Bench_ingest_posts_a_file_and_reports_rate_and_latency()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-load-").FullName;
        try
        {
            var file = Path.Combine(dir, "events.ndjson");
            Assert.Equal(0, (await Run("bench", "gen", "--events", "3000", "--seed", "1", "--out", file)).Exit);
            await using var server = await TestServer.StartAsync();
            var (exit, output) = await Run("bench", "ingest", "--url", server.Http.BaseAddress!.ToString(), "--file", file, "--connections", "4", "--batch", "250");
            Assert.True(exit == 0, output);
            Assert.Matches(@"events/s: [\d,]+ +\(3,000 events acked", output);
            Assert.Matches(@"ack latency ms: p50 [\d.]+ +p99 [\d.]+ +p999 [\d.]+", output);
            var metrics = await server.Http.GetStringAsync("/metrics");
            Assert.Contains("sluice_ingest_events_accepted_total{endpoint=\"/api/ingest\"} 3000", metrics, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_prints_options_and_invalid_configuration_stops_with_one_line()
    {
        var (exit, output) = await Run("serve", "--listen", "not-an-address");
        Assert.Equal(2, exit);
        Assert.Contains("sluice: invalid configuration: Listen", output, StringComparison.Ordinal);
        var (usageExit, usage) = await Run("bench", "gen", "--events", "5", "--sed", "1", "--out", "x");
        Assert.Equal(2, usageExit);
        Assert.Contains("unknown option --sed", usage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_prints_its_effective_options_and_urls_with_the_secret_masked()
    {
        var dataDir = TestServer.NewDataDir();
        var config = Path.Combine(dataDir + "-config.json");
        await File.WriteAllTextAsync(config, """{"Query":{"MaxLimit":777},"Privacy":{"IpHashKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}""");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { SluiceProcess.Executable, "serve", "--listen", "127.0.0.1:0", "--data", dataDir, "--config", config })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SLUICE__Limits__MaxFieldBytes"] = "4096";
        using var process = Process.Start(info)!;
        try
        {
            var lines = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith("sluice: serving", StringComparison.Ordinal))
                {
                    break;
                }
            }

            Assert.Contains("  Listen = 127.0.0.1:0", lines);
            Assert.Contains("  Query:MaxLimit = 777", lines);
            Assert.Contains("  Limits:MaxFieldBytes = 4096", lines);
            Assert.Contains("  Privacy:IpHashKey = ****", lines);
            Assert.DoesNotContain(lines, l => l.Contains("AAAAAAAA", StringComparison.Ordinal));
            Assert.Matches(@"^sluice: serving http://127\.0\.0\.1:\d+/", lines[^1]);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            File.Delete(config);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_on_a_busy_port_or_a_locked_data_directory_fails_with_one_line()
    {
        await using var server = await TestServer.StartAsync();
        var (lockedExit, locked) = await Run("serve", "--listen", "127.0.0.1:0", "--data", server.DataDir);
        Assert.Equal(1, lockedExit);
        Assert.Contains("sluice: cannot open the data directory", locked, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", locked, StringComparison.Ordinal);

        var corruptDir = TestServer.NewDataDir();
        Directory.CreateDirectory(Path.Combine(corruptDir, "meta"));
        await File.WriteAllTextAsync(Path.Combine(corruptDir, "meta", "ip-hash.key"), "not base64!");
        var (corruptExit, corrupt) = await Run("serve", "--listen", "127.0.0.1:0", "--data", corruptDir);
        Directory.Delete(corruptDir, recursive: true);
        Assert.Equal(1, corruptExit);
        Assert.Contains("ip-hash.key does not hold a base64 key", corrupt, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", corrupt, StringComparison.Ordinal);

        var busyPort = server.Http.BaseAddress!.Port;
        var otherDir = TestServer.NewDataDir();
        try
        {
            var (busyExit, busy) = await Run("serve", "--listen", $"127.0.0.1:{busyPort}", "--data", otherDir);
            Assert.Equal(1, busyExit);
            Assert.Contains($"sluice: cannot listen on 127.0.0.1:{busyPort}", busy, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(otherDir, recursive: true);
        }
    }

    /// <summary>Runs the built <c>sluice</c> with these arguments; its exit code and everything it printed.</summary>
    internal static Task<(int Exit, string Output)> Run(params string[] args) => Run(new Dictionary<string, string>(), null, args);

    /// <summary>Runs the built <c>sluice</c> with extra environment variables and, if given, this text on stdin.</summary>
    internal static async Task<(int Exit, string Output)> Run(IReadOnlyDictionary<string, string> environment, string? stdin, params string[] args)
    {
        using var process = Process.Start(Cli.CliProcess.StartInfo(environment, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
