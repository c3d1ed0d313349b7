using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Redis as a dependency: health and /metrics show its breaker, which opens when Redis goes away and closes after it returns.</summary>
public sealed class DependencyHealthTests
{
    [RedisFact]
    public async Task Health_shows_the_redis_breaker_open_while_redis_is_away_and_closed_after_it_returns()
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var server = await TestServer.StartAsync(o => o with
        {
            Redis = o.Redis with { Url = redis.Url, KeyPrefix = RedisFactAttribute.NewPrefix(), TimeoutMs = 200 },
            Breakers = o.Breakers with { OpenSeconds = 1, Retries = 0 },
        });
        var connection = (Sluice.Redis.RedisConnection)server.App.Services.GetService(typeof(Sluice.Redis.RedisConnection))!;
        var key = connection.Key("probe");
        await connection.RunAsync(db => db.StringSetAsync(key, "1"));

        var health = await server.GetJsonAsync("/api/traffic-logs/v2/health");
        Assert.Equal("closed", Component(health, "redis").GetProperty("details").GetProperty("breaker").GetString());

        await redis.KillAsync();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await connection.RunAsync(db => db.StringGetAsync(key)));
        }

        health = await server.GetJsonAsync("/api/traffic-logs/v2/health");
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal("open", Component(health, "redis").GetProperty("details").GetProperty("breaker").GetString());
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_dependency_breaker_state{dependency=\"redis\"} 2", metrics, StringComparison.Ordinal);

        await redis.StartAgainAsync();
        await Task.Delay(1_100); // the break ends; probes go through
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var successes = 0;
        while (successes < 3 && DateTime.UtcNow < deadline)
        {
            try
            {
                await connection.RunAsync(db => db.StringSetAsync(key, "2"));
                successes++;
            }
            catch (Exception)
            {
                successes = 0;
                await Task.Delay(200);
            }
        }

        health = await server.GetJsonAsync("/api/traffic-logs/v2/health");
        Assert.Equal("closed", Component(health, "redis").GetProperty("details").GetProperty("breaker").GetString());
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    private static JsonElement Component(JsonElement health, string name) =>
        health.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
