using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Redis;
using Sluice.Server.Tests.Support;
using StackExchange.Redis;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>The KV API over real HTTP, and a look into the node's Redis through its own connection.</summary>
internal sealed class KvClient(TestServer server)
{
    public TestServer Server => server;

    public async Task<(int Status, JsonElement Body)> PutAsync(string key, string value, string query = "", string contentType = "application/json")
    {
        using var content = new StringContent(value, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await server.Http.PutAsync($"/api/kv/{key}{(query.Length > 0 ? "?" + query : "")}", content);
        return ((int)response.StatusCode, await JsonAsync(response));
    }

    /// <summary>A write that must succeed.</summary>
    public async Task<JsonElement> PutOkAsync(string key, string value, string query = "", string contentType = "application/json")
    {
        var (status, body) = await PutAsync(key, value, query, contentType);
        Assert.True(status == 200, $"PUT {key} → {status}: {body}");
        return body;
    }

    public async Task<(int Status, string Value, string? Tier, string? ContentType)> GetAsync(string key)
    {
        using var response = await server.Http.GetAsync($"/api/kv/{key}");
        var tier = response.Headers.TryGetValues("X-Sluice-Kv-Tier", out var tiers) ? tiers.Single() : null;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), tier, response.Content.Headers.ContentType?.ToString());
    }

    public async Task<(int Status, JsonElement Body)> DeleteAsync(string key, string query = "")
    {
        using var response = await server.Http.DeleteAsync($"/api/kv/{key}{(query.Length > 0 ? "?" + query : "")}");
        return ((int)response.StatusCode, await JsonAsync(response));
    }

    public async Task<(int Status, JsonElement Body)> PostAsync(string path, string json)
    {
        var (status, body, response) = await server.PostAsync(path, json);
        response.Dispose();
        return (status, body);
    }

    public Task<JsonElement> StatsAsync() => server.GetJsonAsync("/api/kv/stats");

    public Task<JsonElement> HealthAsync() => server.GetJsonAsync("/api/kv/health");

    /// <summary>Waits until <paramref name="done"/> holds of the stats, failing after <paramref name="seconds"/>.</summary>
    public async Task<JsonElement> WaitForStatsAsync(Func<JsonElement, bool> done, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var stats = await StatsAsync();
            if (done(stats))
            {
                return stats;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {seconds} s: {stats}");
            await Task.Delay(50);
        }
    }

    public RedisConnection Redis => server.App.Services.GetRequiredService<RedisConnection>();

    public RedisKey RedisKey(string key) => Redis.Key("kv:" + key);

    public Task<bool> InRedisAsync(string key) => Redis.RunAsync(db => db.KeyExistsAsync(RedisKey(key))).AsTask();

    /// <summary>The flags field Redis holds for the key (2: a tombstone), or null.</summary>
    public async Task<long?> RedisFlagsAsync(string key)
    {
        var flags = await Redis.RunAsync(db => db.HashGetAsync(RedisKey(key), "f"));
        return flags.IsNull ? null : (long)flags;
    }

    public async Task<long> RedisTtlMsAsync(string key) =>
        (long)(await Redis.RunAsync(db => db.ExecuteAsync("PTTL", RedisKey(key))));

    /// <summary>What Redis losing a key looks like (an eviction, a restart without persistence).</summary>
    public Task DropFromRedisAsync(string key) => Redis.RunAsync(db => db.KeyDeleteAsync(RedisKey(key))).AsTask();

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
    }
}
