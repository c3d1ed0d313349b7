using System.Net;
using System.Net.Http.Headers;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Bounded inputs: every refusal names its field, and writes need the admin scope.</summary>
public sealed class KvValidationTests
{
    [Fact]
    public async Task Bad_keys_values_and_times_to_live_are_refused_naming_the_field()
    {
        await using var server = await TestServer.StartAsync(o => o with { Kv = o.Kv with { MaxKeyBytes = 32, MaxValueBytes = 2_048, MaxKeys = 2 } });
        var kv = new KvClient(server);
        foreach (var (key, value, query, status, code, field) in new[]
        {
            (new string('k', 33), "1", "", 400, "field_too_long", "key"),
            ("ok", new string('v', 2_049), "", 413, "value_too_large", "value"),
            ("ok", "1", "ttl=soon", 400, "invalid_parameter", "ttl"),
            ("ok", "1", "ttl=0", 400, "invalid_parameter", "ttl"),
            ("ok", "1", "ttl=10s&redis_ttl=1m", 400, "invalid_parameter", "redis_ttl"),
            ("ok", "1", "ttl=10s&cache_ttl=20s", 400, "invalid_parameter", "cache_ttl"),
            ("ok", "1", "redis_ttl=1s&cache_ttl=2s", 400, "invalid_parameter", "cache_ttl"),
            ("ok", "1", "tll=5", 400, "unknown_parameter", "tll"),
            ("ok", "1", "mode=eventually", 400, "invalid_parameter", "mode"),
            ("sluice:dashboard:config", "{}", "", 403, "reserved_key", "key"),
            ("stats", "1", "", 400, "invalid_parameter", "key"),
            ("batch/x", "1", "", 400, "invalid_parameter", "key"),
        })
        {
            var (answered, body) = await kv.PutAsync(key, value, query);
            Assert.True(answered == status, $"PUT {key[..Math.Min(key.Length, 20)]}?{query} → {answered}: {body}");
            Assert.Equal((code, field), (body.GetProperty("code").GetString(), body.GetProperty("field").GetString()));
        }

        await kv.PutOkAsync("one", "1");
        await kv.PutOkAsync("two", "2");
        var (full, problem) = await kv.PutAsync("three", "3");
        Assert.Equal((507, "kv_full", "key"), (full, problem.GetProperty("code").GetString(), problem.GetProperty("field").GetString()));
        await kv.PutOkAsync("two", "22"); // replacing a key needs no room
        Assert.Equal(404, (await kv.DeleteAsync("never-written")).Status);
        Assert.Equal(200, (await kv.DeleteAsync("two")).Status);
        await kv.PutOkAsync("three", "3"); // a deleted key's place is free again
        Assert.Equal(404, (await kv.GetAsync("two")).Status);
    }

    [Fact]
    public async Task Reading_needs_read_and_writing_needs_admin()
    {
        await using var server = await TestServer.StartAsync(o => o with { Auth = o.Auth with { ApiKeys = "kv-read-key-0001:read,kv-admin-key-001:admin" } });
        async Task<HttpStatusCode> Send(HttpMethod method, string path, string key, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (body is not null)
            {
                request.Content = new StringContent(body);
            }

            using var response = await server.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await Send(HttpMethod.Put, "/api/kv/k", "kv-read-key-0001", "1"));
        Assert.Equal(HttpStatusCode.OK, await Send(HttpMethod.Put, "/api/kv/k", "kv-admin-key-001", "1"));
        Assert.Equal(HttpStatusCode.OK, await Send(HttpMethod.Get, "/api/kv/k", "kv-read-key-0001"));
        Assert.Equal(HttpStatusCode.OK, await Send(HttpMethod.Post, "/api/kv/batch/get", "kv-read-key-0001", """{"keys":["k"]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(HttpMethod.Post, "/api/kv/batch/set", "kv-read-key-0001", """{"items":[]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(HttpMethod.Delete, "/api/kv/k", "kv-read-key-0001"));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(HttpMethod.Post, "/api/kv/cleanup", "kv-read-key-0001", """{"policy":"ttl"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(HttpMethod.Post, "/api/kv/sync", "kv-read-key-0001"));
        Assert.Equal(HttpStatusCode.OK, await Send(HttpMethod.Get, "/api/kv/stats", "kv-read-key-0001"));
        Assert.Equal(HttpStatusCode.OK, await Send(HttpMethod.Get, "/api/kv/health", "kv-read-key-0001"));
    }

    [Fact]
    public async Task A_dashboard_json_of_an_earlier_version_is_moved_into_the_store_once()
    {
        var dataDir = TestServer.NewDataDir();
        Directory.CreateDirectory(Path.Combine(dataDir, "meta"));
        var legacy = """{"saved_searches":[{"name":"old","query":"level:warn"}],"pinned_charts":[],"saved_formulas":[],"refresh_seconds":15}""";
        await File.WriteAllTextAsync(Path.Combine(dataDir, "meta", "dashboard.json"), legacy);
        try
        {
            await using (var server = await TestServer.StartAsync(dataDir: dataDir))
            {
                Assert.Equal(legacy, await server.Http.GetStringAsync("/api/v1/dashboard/config"));
                Assert.False(File.Exists(Path.Combine(dataDir, "meta", "dashboard.json")));
                Assert.True(File.Exists(Path.Combine(dataDir, "meta", "dashboard.json.migrated")));
            }

            await using (var server = await TestServer.StartAsync(dataDir: dataDir))
            {
                Assert.Equal(legacy, await server.Http.GetStringAsync("/api/v1/dashboard/config"));
                Assert.Equal(200, (await new KvClient(server).GetAsync("sluice:dashboard:config")).Status);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
