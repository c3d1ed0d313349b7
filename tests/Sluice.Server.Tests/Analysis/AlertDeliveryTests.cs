using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Analysis;

/// <summary>Alert notifications over real HTTP: a receiver that fails for a while loses nothing and gets nothing twice.</summary>
public sealed class AlertDeliveryTests
{
    [Fact]
    public async Task A_failing_webhook_is_retried_behind_its_breaker_and_gets_every_notification_once_in_order()
    {
        // Eight 500s: a round of four attempts, then one attempt per break until the receiver recovers.
        await using var receiver = await HookReceiver.StartAsync(failFirst: 8);
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(o => o with
        {
            Alerts = o.Alerts with { DeliveryRetryDelayMs = 10, DeliveryRetries = 3, DeliveryBreakMs = 500, DeliveryRetryAfterMs = 100, DashboardUrl = "https://sluice.example" },
        }, clock: clock);

        var rule = await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"payment errors","kind":"threshold","query":"level:error service:pay","above":2,"window_minutes":5,"cooldown_minutes":0,"samples":3,
             "channels":[{"type":"webhook","url":"{{receiver.Url}}"}]}
            """);
        Assert.DoesNotContain("SECRET", rule.ToString());

        // Fire, resolve, fire again: three notifications, all while the receiver is failing.
        await AlertApi.PostErrorsAsync(server, 5);
        await AlertApi.EvaluateAsync(server);
        clock.Advance(TimeSpan.FromMinutes(10));
        await AlertApi.EvaluateAsync(server);
        await AlertApi.PostErrorsAsync(server, 4);
        await AlertApi.EvaluateAsync(server);

        await receiver.WaitForAsync(3);
        var posts = receiver.Posts;
        Assert.Equal(["firing", "resolved", "firing"], posts.Select(p => p.GetProperty("state").GetString()));
        Assert.Equal(3, posts.Select(p => p.GetProperty("delivery_id").GetString()).Distinct().Count());
        Assert.Equal(8 + 3, receiver.Attempts); // the breaker kept the rest of the failing rounds off the receiver

        var first = posts[0];
        Assert.Equal("level:error service:pay", first.GetProperty("query").GetString());
        Assert.Equal(5, first.GetProperty("figures").GetProperty("value").GetDouble());
        Assert.Equal(3, first.GetProperty("samples").GetArrayLength());
        Assert.Equal("pay", first.GetProperty("samples")[0].GetProperty("service").GetString());
        Assert.Equal("https://sluice.example/explore?q=level%3Aerror%20service%3Apay", first.GetProperty("link").GetString());

        // The receiver has the third post before the sender has its answer: wait for the sender to count it.
        var delivery = await server.GetJsonAsync("/api/alerts/delivery");
        for (var i = 0; i < 100 && delivery.GetProperty("sent").GetInt64() < 3; i++)
        {
            await Task.Delay(50);
            delivery = await server.GetJsonAsync("/api/alerts/delivery");
        }

        Assert.Equal(0, delivery.GetProperty("pending").GetInt32());
        Assert.Equal(3, delivery.GetProperty("sent").GetInt64());
        var channel = Assert.Single(delivery.GetProperty("channels").EnumerateArray());
        Assert.True(channel.GetProperty("opened").GetInt64() >= 1, channel.ToString());
        Assert.Equal("closed", channel.GetProperty("breaker").GetString());
        Assert.DoesNotContain("SECRET", delivery.ToString());

        // Nothing acknowledged is sent again after a restart.
        await server.RestartAsync(o => o with { Alerts = o.Alerts with { DeliveryRetryDelayMs = 10, DeliveryBreakMs = 500, DeliveryRetryAfterMs = 100 } });
        await AlertApi.EvaluateAsync(server);
        Assert.Equal(0, (await server.GetJsonAsync("/api/alerts/delivery")).GetProperty("pending").GetInt32());
        Assert.Equal(3, receiver.Posts.Count);
    }

    [Fact]
    public async Task A_slack_channel_gets_text_blocks_and_fields()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(clock: clock);
        await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"payment errors","kind":"threshold","query":"level:error","above":1,"channels":[{"type":"slack","url":"{{receiver.Url}}"}]}
            """);
        await AlertApi.PostErrorsAsync(server, 3);
        await AlertApi.EvaluateAsync(server);
        await receiver.WaitForAsync(1);
        var post = receiver.Posts[0];
        Assert.StartsWith(":warning: [FIRING] payment errors", post.GetProperty("text").GetString());
        var blocks = post.GetProperty("blocks");
        Assert.Contains(blocks.EnumerateArray(), b => b.TryGetProperty("fields", out var f) && f.EnumerateArray().Any(x => x.GetProperty("text").GetString() == "*value*\n3"));
        Assert.Contains(blocks.EnumerateArray(), b => b.GetProperty("type").GetString() == "context");
    }
}

/// <summary>Small steps the alert tests share.</summary>
internal static class AlertApi
{
    public static async Task<JsonElement> CreateRuleAsync(TestServer server, string body)
    {
        var (status, json, _) = await server.PostAsync("/api/alerts/rules", body);
        Assert.True(status == 201, $"creating the rule answered {status}: {json}");
        return json;
    }

    public static async Task<JsonElement> EvaluateAsync(TestServer server)
    {
        var (status, json, _) = await server.PostAsync("/api/alerts/evaluate", "");
        Assert.True(status == 200, $"evaluate answered {status}: {json}");
        return json;
    }

    public static Task PostErrorsAsync(TestServer server, int count) =>
        Api.PostAsync(server, Enumerable.Range(0, count).Select(i => $$"""{"message":"payment {{i}} failed","level":"error","service":"pay"}"""));
}
