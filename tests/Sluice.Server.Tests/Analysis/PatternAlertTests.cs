using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Analysis;

/// <summary>The pattern alert kinds end to end: the real miner names the events, the rules read its catalog and the stored pattern ids.</summary>
public sealed class PatternAlertTests
{
    [Fact]
    public async Task A_new_warning_pattern_fires_once_with_samples_of_it_and_resolves_a_window_later()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(clock: clock);
        await Post(server, 5, i => $"user {i} logged in", "info");
        await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"new trouble","kind":"new_pattern","min_level":"warn","window_minutes":5,"channels":[{"type":"webhook","url":"{{receiver.Url}}"}]}
            """);
        await AlertApi.EvaluateAsync(server); // what existed before the rule's first evaluation is not new

        clock.Advance(TimeSpan.FromMinutes(1));
        await Post(server, 3, i => $"user {i} logged in", "info");
        // Stamped two hours back by a client that batched them: new all the same, since the server stores them now.
        await Post(server, 2, i => $"disk quota of tenant {i} exceeded", "warn", clock.UnixMilliseconds - (2 * 3_600_000));
        await Post(server, 2, i => $"cache {i} warmed", "info"); // new, but below the rule's level
        await AlertApi.EvaluateAsync(server);
        await receiver.WaitForAsync(1);
        var post = Assert.Single(receiver.Posts);
        Assert.Equal("firing", post.GetProperty("state").GetString());
        var patternId = post.GetProperty("group_key").GetString()!;
        var samples = post.GetProperty("samples").EnumerateArray().ToList();
        Assert.NotEmpty(samples);
        Assert.All(samples, s => Assert.Equal(patternId, s.GetProperty("pattern_id").GetString()));
        Assert.All(samples, s => Assert.StartsWith("disk quota of tenant", s.GetProperty("message").GetString()));
        var known = await server.GetJsonAsync($"/api/logs/patterns/{patternId}");
        Assert.Equal("warn", known.GetProperty("severity").GetString());

        // Still new within the window: no second notification; a window later it resolves.
        await AlertApi.EvaluateAsync(server);
        clock.Advance(TimeSpan.FromMinutes(6));
        await AlertApi.EvaluateAsync(server);
        await receiver.WaitForAsync(2);
        Assert.Equal(["firing", "resolved"], receiver.Posts.Select(p => p.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_pattern_whose_rate_jumps_past_its_factor_fires()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(clock: clock);
        for (var w = 0; w < 3; w++)
        {
            await Post(server, 2, i => $"retrying request {w * 10 + i}", "info");
            clock.Advance(TimeSpan.FromMinutes(5));
        }

        var id = (await server.GetJsonAsync("/api/logs/search?q=retrying&limit=1")).GetProperty("events")[0].GetProperty("pattern_id").GetString();
        await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"retry storm","kind":"pattern_rate","pattern_id":"{{id}}","factor":3,"baseline_windows":3,"window_minutes":5,"channels":[{"type":"webhook","url":"{{receiver.Url}}"}]}
            """);
        await Post(server, 4, i => $"retrying request {100 + i}", "info"); // 4 against a mean of 2: under ×3
        await AlertApi.EvaluateAsync(server);
        Assert.Empty((await server.GetJsonAsync("/api/alerts")).GetProperty("alerts").EnumerateArray());

        await Post(server, 5, i => $"retrying request {200 + i}", "info"); // 9 now: past ×3
        await AlertApi.EvaluateAsync(server);
        await receiver.WaitForAsync(1);
        var post = Assert.Single(receiver.Posts);
        Assert.Equal(id, post.GetProperty("group_key").GetString());
        Assert.Equal("firing", post.GetProperty("state").GetString());
    }

    private static Task Post(TestServer server, int count, Func<int, string> message, string level, long? timestamp = null) =>
        Api.PostAsync(server, Enumerable.Range(0, count).Select(i => timestamp is { } t
            ? JsonSerializer.Serialize(new { message = message(i), level, service = "api", timestamp = t })
            : JsonSerializer.Serialize(new { message = message(i), level, service = "api" })));
}
