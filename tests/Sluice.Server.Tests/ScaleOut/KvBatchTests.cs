using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Batch reads and writes: encodings, order, and an item refused without refusing the others.</summary>
public sealed class KvBatchTests
{
    [RedisFact]
    public async Task A_batch_write_stores_the_good_items_and_a_batch_read_answers_in_order_with_encodings()
    {
        await using var server = await TestServer.StartAsync(KvTierTests.WithRedis);
        var kv = new KvClient(server);
        var (status, body) = await kv.PostAsync("/api/kv/batch/set", """
            {"ttl": "1h", "items": [
              {"key": "user:1", "value": {"name": "Ada", "tags": ["a", "b"]}},
              {"key": "greeting", "value": "hello", "encoding": "text"},
              {"key": "blob", "value": "AAEC/w==", "encoding": "base64"},
              {"key": "bad-ttl", "value": 1, "ttl": "soon"},
              {"key": "user:1", "value": 2},
              {"key": "short", "value": 3, "cache_ttl": 10, "ttl": "5s"},
              {"key": "sluice:mine", "value": 4}
            ]}
            """);
        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("stored").GetInt32());
        Assert.Equal([0, 1, 2], body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("index").GetInt32()));
        Assert.All(body.GetProperty("items").EnumerateArray(), i => Assert.Equal("written", i.GetProperty("redis").GetString()));
        var rejected = body.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("code").GetString(), r.GetProperty("field").GetString())).ToList();
        Assert.Equal(
            [(3, "invalid_parameter", "items[3].ttl"), (4, "invalid_value", "items[4].key"), (5, "invalid_parameter", "items[5].cache_ttl"), (6, "reserved_key", "items[6].key")],
            rejected);
        Assert.True(await kv.InRedisAsync("user:1"));
        Assert.False(await kv.InRedisAsync("bad-ttl"));

        (status, body) = await kv.PostAsync("/api/kv/batch/get", """{"keys": ["blob", "missing", "user:1", "greeting"]}""");
        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("found").GetInt32());
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["blob", "missing", "user:1", "greeting"], items.Select(i => i.GetProperty("key").GetString()));
        Assert.Equal(("base64", "AAEC/w=="), (items[0].GetProperty("encoding").GetString(), items[0].GetProperty("value").GetString()));
        Assert.False(items[1].GetProperty("found").GetBoolean());
        Assert.Equal("json", items[2].GetProperty("encoding").GetString());
        Assert.Equal("""{"name":"Ada","tags":["a","b"]}""", Api.Canonical(items[2].GetProperty("value")));
        Assert.True(items[2].GetProperty("expires_at_ms").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_500_000);
        Assert.Equal(("text", "hello"), (items[3].GetProperty("encoding").GetString(), items[3].GetProperty("value").GetString()));

        // The single-key API reads what the batch wrote, as the bytes and type it was given.
        var blob = await server.Http.GetAsync("/api/kv/blob");
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, await blob.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", blob.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Batch_bodies_are_bounded_and_checked_as_a_whole()
    {
        await using var server = await TestServer.StartAsync(o => o with { Kv = o.Kv with { MaxBatchKeys = 3 } });
        var kv = new KvClient(server);
        var keys = JsonSerializer.Serialize(new { keys = new[] { "a", "b", "c", "d" } });
        var (status, body) = await kv.PostAsync("/api/kv/batch/get", keys);
        Assert.Equal((413, "too_many_keys", "keys"), (status, body.GetProperty("code").GetString(), body.GetProperty("field").GetString()));

        (status, body) = await kv.PostAsync("/api/kv/batch/get", """{"keys": ["a", ""]}""");
        Assert.Equal((400, "missing_field", "keys[1]"), (status, body.GetProperty("code").GetString(), body.GetProperty("field").GetString()));

        (status, body) = await kv.PostAsync("/api/kv/batch/set", """{"items": [], "ttl": 5, "mode": "sideways"}""");
        Assert.Equal((400, "mode"), (status, body.GetProperty("field").GetString()));

        (status, body) = await kv.PostAsync("/api/kv/batch/set", """{"item": []}""");
        Assert.Equal((400, "item"), (status, body.GetProperty("field").GetString()));

        (status, body) = await kv.PostAsync("/api/kv/batch/set", """{"items": [{"key": "x", "value": "not base64!", "encoding": "base64"}, {"key": "y", "value": 1, "colour": "red"}]}""");
        Assert.Equal(200, status);
        Assert.Equal(0, body.GetProperty("stored").GetInt32());
        Assert.Equal(["items[0].value", "items[1].colour"], body.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("field").GetString()));
    }
}
