using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Cli.Bench;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench kv --url URL [--keys N] [--reads R] [--connections C] [--bytes B] [--markdown FILE]
/// [--redis-script scripts/redis.sh --redis-dir DIR --redis-port P [--outage-writes W]]</c>: seed 002's KV targets
/// measured against a running server. Latency per tier: keys written so that only one tier can answer (cached;
/// <c>cache_ttl=0</c> for Redis; <c>cache_ttl=0&amp;redis_ttl=0</c> for the durable tier), read at random, the
/// answering tier checked on every read. With a Redis script: Redis is killed, the time until the store reports it
/// down is taken, writes are made during the outage, Redis is started again (empty), and the times until the store
/// sees it back and until the backlog is in Redis are taken.
/// </summary>
public static class BenchKvCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var url = new Uri(args.Require("url"));
        var keys = (int)Math.Max(1, args.GetLong("keys", 500));
        var reads = (int)Math.Max(1, args.GetLong("reads", 10_000));
        var connections = (int)Math.Max(1, args.GetLong("connections", 4));
        var bytes = (int)Math.Max(16, args.GetLong("bytes", 512));
        var markdown = args.Get("markdown");
        var script = args.Get("redis-script");
        var redisDir = script is null ? null : args.Require("redis-dir");
        var redisPort = script is null ? null : args.Require("redis-port");
        var outageWrites = (int)args.GetLong("outage-writes", 1_000);
        args.RejectUnknown();

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        var load = new KvLoad(http, connections);
        // Warm-up, not counted: the server's first requests of each kind pay for JIT compilation.
        await load.PutAsync("warm-up", "bench:warm-t:", 200, bytes, "cache_ttl=1h");
        await load.PutAsync("warm-up", "bench:warm-b:", 200, bytes, "mode=behind&cache_ttl=0&redis_ttl=0");
        await load.GetAsync("warm-up", "bench:warm-t:", 200, 500, "cache");
        await load.GetAsync("warm-up", "bench:warm-b:", 200, 500, "durable");
        var results = new List<KvLoad.Result>
        {
            await load.PutAsync("PUT write-through (cache + Redis + durable)", "bench:c:", keys, bytes, "cache_ttl=1h"),
            await load.PutAsync("PUT write-behind (cache + durable)", "bench:w:", keys, bytes, "mode=behind&cache_ttl=1h"),
            await load.PutAsync("PUT, Redis + durable only", "bench:r:", keys, bytes, "cache_ttl=0"),
            await load.PutAsync("PUT, durable only", "bench:d:", keys, bytes, "cache_ttl=0&redis_ttl=0"),
        };
        results.Add(await load.GetAsync("GET, cache hit", "bench:c:", keys, reads, "cache"));
        results.Add(await load.GetAsync("GET, Redis hit", "bench:r:", keys, reads, "redis"));
        results.Add(await load.GetAsync("GET, durable hit", "bench:d:", keys, reads, "durable"));
        foreach (var r in results)
        {
            Console.WriteLine($"{r.What}: {r.Requests:N0} in {r.Seconds:F2} s ({r.PerSecond:N0}/s), p50 {r.Ms[0]:F2} ms, p99 {r.Ms[1]:F2} ms, max {r.Ms[2]:F2} ms; failed {r.Failed}, wrong tier {r.WrongTier}");
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| request ({connections} connections, {bytes}-byte values, {keys} keys a set) | count | per second | p50 | p99 | max | failed / wrong tier |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {r.What} | {r.Requests:N0} | {r.PerSecond:N0} | {r.Ms[0]:F2} ms | {r.Ms[1]:F2} ms | {r.Ms[2]:F1} ms | {r.Failed} / {r.WrongTier} |");
        }

        var failedAny = results.Any(r => r.Failed > 0 || r.WrongTier > 0);
        if (script is not null)
        {
            failedAny |= !await FailoverAsync(http, load, script, redisDir!, redisPort!, outageWrites, bytes, keys, table);
        }

        if (markdown is not null)
        {
            await File.WriteAllTextAsync(markdown, table.ToString());
        }

        return failedAny ? 1 : 0;
    }

    private static async Task<bool> FailoverAsync(HttpClient http, KvLoad load, string script, string dir, string port, int writes, int bytes, int keys, StringBuilder table)
    {
        var clock = s_clock;
        await RunScriptAsync(script, "kill", dir);
        var killed = clock.Elapsed;
        var down = await WaitAsync(http, "/api/kv/health", h => h.GetProperty("redis").GetProperty("status").GetString() == "down", TimeSpan.FromSeconds(120));
        var breakerOpen = await WaitAsync(http, "/api/kv/health", h => h.GetProperty("redis").GetProperty("breaker").GetString() == "open", TimeSpan.FromSeconds(120));
        var outagePuts = await load.PutAsync("PUT during the outage (queued for Redis)", "bench:o:", writes, bytes, "cache_ttl=0");
        var outageGets = await load.GetAsync("GET of a Redis-tier key during the outage", "bench:r:", keys, 2_000, "durable");
        var backlog = (await GetJsonAsync(http, "/api/kv/stats")).GetProperty("backlog").GetInt32();

        await RunScriptAsync(script, "start", dir, port);
        var restarted = clock.Elapsed;
        var seen = await WaitAsync(http, "/api/kv/health", h => h.GetProperty("redis").GetProperty("status").GetString() is "ok" or "probing", TimeSpan.FromSeconds(180));
        var synced = await WaitAsync(http, "/api/kv/stats", s => s.GetProperty("backlog").GetInt32() == 0
            && s.TryGetProperty("last_sync", out var last) && last.GetProperty("trigger").GetString() == "recovery" && !last.TryGetProperty("error", out _), TimeSpan.FromSeconds(180));
        var last = (await GetJsonAsync(http, "/api/kv/stats")).GetProperty("last_sync");

        double S(TimeSpan? t, TimeSpan from) => t is { } at ? (at - from).TotalSeconds : double.NaN;
        var lines = new[]
        {
            $"Redis killed → the store reports it down: {S(down, killed):F2} s (its breaker open: {S(breakerOpen, killed):F2} s)",
            $"{outagePuts.What}: {outagePuts.Requests:N0}, p50 {outagePuts.Ms[0]:F2} ms, p99 {outagePuts.Ms[1]:F2} ms; failed {outagePuts.Failed}; backlog {backlog:N0}",
            $"{outageGets.What}: {outageGets.Requests:N0}, p50 {outageGets.Ms[0]:F2} ms, p99 {outageGets.Ms[1]:F2} ms; failed {outageGets.Failed}, wrong tier {outageGets.WrongTier}",
            $"Redis started again (empty) → the store sees it: {S(seen, restarted):F2} s",
            $"Redis started again → backlog in Redis and reconciliation done: {S(synced, restarted):F2} s (after the store saw it: {S(synced, seen ?? restarted):F2} s; the pass itself {last.GetProperty("duration_ms").GetInt64()} ms, {last.GetProperty("flushed").GetInt32():N0} flushed, {last.GetProperty("pushed").GetInt32():N0} pushed)",
        };
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        table.AppendLine().AppendLine("| failover | figure |").AppendLine("|---|---|");
        table.AppendLine(CultureInfo.InvariantCulture, $"| Redis killed → KV health says `down` (detection) | {S(down, killed):F2} s |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| Redis killed → its breaker open | {S(breakerOpen, killed):F2} s |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| {outagePuts.What} | p50 {outagePuts.Ms[0]:F2} ms, p99 {outagePuts.Ms[1]:F2} ms ({outagePuts.Requests:N0}, {outagePuts.Failed} failed) |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| {outageGets.What} | p50 {outageGets.Ms[0]:F2} ms, p99 {outageGets.Ms[1]:F2} ms ({outageGets.WrongTier} from another tier) |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| Redis back (empty) → KV sees it | {S(seen, restarted):F2} s |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| KV sees Redis → backlog ({backlog:N0} keys) flushed and every durable key reconciled (sync) | {S(synced, seen ?? restarted):F2} s (the pass: {last.GetProperty("duration_ms").GetInt64()} ms) |");
        return down is not null && synced is not null && outagePuts.Failed == 0 && outageGets.Failed == 0;
    }

    /// <summary>One clock for every time taken here.</summary>
    private static readonly Stopwatch s_clock = Stopwatch.StartNew();

    /// <summary>Polls <paramref name="path"/> every 20 ms until <paramref name="done"/> holds; when it did, on <see cref="s_clock"/>.</summary>
    private static async Task<TimeSpan?> WaitAsync(HttpClient http, string path, Func<JsonElement, bool> done, TimeSpan limit)
    {
        var deadline = s_clock.Elapsed + limit;
        while (s_clock.Elapsed < deadline)
        {
            if (done(await GetJsonAsync(http, path)))
            {
                return s_clock.Elapsed;
            }

            await Task.Delay(20);
        }

        return null;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path) =>
        JsonDocument.Parse(await http.GetStringAsync(path)).RootElement.Clone();

    private static async Task RunScriptAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', args)} failed: {await process.StandardError.ReadToEndAsync()}");
        }
    }
}
