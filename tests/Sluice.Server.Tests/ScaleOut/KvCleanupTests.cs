using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Cleanup by ttl, lru, size and by name: a dry run lists exactly what the real run then removes, and changes nothing.</summary>
public sealed class KvCleanupTests
{
    [Fact]
    public async Task A_dry_run_lists_the_least_recently_used_keys_and_the_real_run_removes_the_same()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        await kv.PostAsync("/api/v1/dashboard/config", """{"saved_searches":[{"name":"errors","query":"level:error"}]}""");
        foreach (var key in new[] { "k1", "k2", "k3", "k4" })
        {
            await kv.PutOkAsync(key, "\"" + new string('x', 100) + "\"");
            await Task.Delay(20); // distinct access times (milliseconds)
        }

        await kv.GetAsync("k1"); // used last now: k2 and k3 are the least recently used

        var dry = await CleanupAsync(kv, """{"policy":"lru","max_keys":2,"dry_run":true}""");
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        Assert.Equal(["k2", "k3"], Keys(dry));
        Assert.Equal(204, dry.GetProperty("bytes_freed").GetInt64());
        // Nothing removed (counted, not read: a read would make k2 recently used).
        Assert.Equal(5, (await kv.StatsAsync()).GetProperty("tiers").GetProperty("durable").GetProperty("keys").GetInt32());

        // The real run removes the same keys.
        var real = await CleanupAsync(kv, """{"policy":"lru","max_keys":2}""");
        Assert.False(real.GetProperty("dry_run").GetBoolean());
        Assert.Equal(Keys(dry), Keys(real));
        Assert.Equal(404, (await kv.GetAsync("k2")).Status);
        Assert.Equal(404, (await kv.GetAsync("k3")).Status);
        Assert.Equal(200, (await kv.GetAsync("k1")).Status);
        // Sluice's own keys never count as removable.
        Assert.Contains("errors", await server.Http.GetStringAsync("/api/v1/dashboard/config"), StringComparison.Ordinal);
        var stats = await kv.StatsAsync();
        Assert.Equal(3, stats.GetProperty("tiers").GetProperty("durable").GetProperty("keys").GetInt32()); // k1, k4, the dashboard's
        Assert.Equal(2, stats.GetProperty("tiers").GetProperty("durable").GetProperty("tombstones").GetInt32());
    }

    [Fact]
    public async Task Size_cleanup_removes_the_least_recently_used_until_the_bytes_fit()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        foreach (var key in new[] { "s1", "s2", "s3" })
        {
            await kv.PutOkAsync(key, new string('y', 100), "", "text/plain");
            await Task.Delay(20);
        }

        var dry = await CleanupAsync(kv, """{"policy":"size","max_bytes":150,"dry_run":true}""");
        Assert.Equal(["s1", "s2"], Keys(dry));
        Assert.All(dry.GetProperty("items").EnumerateArray(), i => Assert.Equal("max_bytes", i.GetProperty("reason").GetString()));
        Assert.Equal(300, (await kv.StatsAsync()).GetProperty("tiers").GetProperty("durable").GetProperty("bytes").GetInt64());

        var real = await CleanupAsync(kv, """{"policy":"size","max_bytes":150}""");
        Assert.Equal(["s1", "s2"], Keys(real));
        Assert.Equal(100, (await kv.StatsAsync()).GetProperty("tiers").GetProperty("durable").GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Ttl_cleanup_forgets_expired_values_and_manual_cleanup_removes_named_keys_only()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        await kv.PutOkAsync("brief", "1", "ttl=200ms");
        await kv.PutOkAsync("lasting", "2");
        await kv.PostAsync("/api/v1/dashboard/config", """{"refresh_seconds":5}""");
        await Task.Delay(300);

        var dry = await CleanupAsync(kv, """{"policy":"ttl","dry_run":true}""");
        var item = Assert.Single(dry.GetProperty("items").EnumerateArray());
        Assert.Equal(("brief", "expired", "forget"), (item.GetProperty("key").GetString(), item.GetProperty("reason").GetString(), item.GetProperty("action").GetString()));
        var files = Directory.EnumerateFiles(Path.Combine(server.DataDir, "meta", "kv"), "*.kv", SearchOption.AllDirectories).Count();
        Assert.Equal(3, files);

        Assert.Equal(["brief"], Keys(await CleanupAsync(kv, """{"policy":"ttl"}""")));
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(server.DataDir, "meta", "kv"), "*.kv", SearchOption.AllDirectories).Count());

        var manual = await CleanupAsync(kv, """{"policy":"manual","keys":["lasting","nothing-here","sluice:dashboard:config"],"dry_run":true}""");
        Assert.Equal(["lasting"], Keys(manual));
        Assert.Equal(
            [("nothing-here", "not_found"), ("sluice:dashboard:config", "reserved")],
            manual.GetProperty("skipped").EnumerateArray().Select(s => (s.GetProperty("key").GetString(), s.GetProperty("reason").GetString())).OrderBy(s => s.Item1));
        Assert.Equal(200, (await kv.GetAsync("lasting")).Status);
        Assert.Equal(["lasting"], Keys(await CleanupAsync(kv, """{"policy":"manual","keys":["lasting"]}""")));
        Assert.Equal(404, (await kv.GetAsync("lasting")).Status);
    }

    [Fact]
    public async Task A_cleanup_request_names_the_field_it_cannot_use()
    {
        await using var server = await TestServer.StartAsync();
        var kv = new KvClient(server);
        foreach (var (body, field) in new[]
        {
            ("""{"dry_run":true}""", "policy"),
            ("""{"policy":"oldest"}""", "policy"),
            ("""{"policy":"lru"}""", "max_keys"),
            ("""{"policy":"manual"}""", "keys"),
            ("""{"policy":"size","max_bytes":-1}""", "max_bytes"),
            ("""{"policy":"ttl","dry_run":"yes"}""", "dry_run"),
            ("""{"policy":"ttl","force":true}""", "force"),
        })
        {
            var (status, problem) = await kv.PostAsync("/api/kv/cleanup", body);
            Assert.True(status == 400, $"{body} → {status}");
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    private static async Task<JsonElement> CleanupAsync(KvClient kv, string body)
    {
        var (status, report) = await kv.PostAsync("/api/kv/cleanup", body);
        Assert.True(status == 200, $"cleanup {body} → {status}: {report}");
        return report;
    }

    private static List<string?> Keys(JsonElement report) =>
        [.. report.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("key").GetString()).Order(StringComparer.Ordinal)];
}
