using System.Collections.Concurrent;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Configuration;

/// <summary>Quota rules changed through the settings API: a new book from the next batch on, nothing lost in between.</summary>
public sealed class RuntimeQuotaTests
{
    private const string Settings = "/api/v1/config/settings";
    private const long HourStart = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    private static async Task SetRulesAsync(TestServer server, string? rules)
    {
        var value = rules is null ? "null" : $"\"{rules}\"";
        var (status, body, _) = await server.PostAsync(Settings, "{\"settings\":{\"Quotas:Rules\":" + value + "}}");
        Assert.True(status == 200, body.ToString());
    }

    private static async Task<int> PostAsync(TestServer server, string message) =>
        (await server.PostAsync("/log", $$"""{"message":"{{message}}","service":"q"}""")).Status;

    [Fact]
    public async Task A_global_limit_set_at_runtime_refuses_the_event_past_it_and_rolling_back_lifts_it()
    {
        var clock = new ManualClock(HourStart + (10 * 60_000));
        await using var server = await TestServer.StartAsync(clock: clock);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(200, await PostAsync(server, $"free {i}"));
        }

        await SetRulesAsync(server, "global:5/1h");
        Assert.True((await server.GetJsonAsync(Settings)).GetProperty("settings").GetProperty("Quotas:Rules").GetProperty("reloadable").GetBoolean());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, await PostAsync(server, $"limited {i}"));
        }

        var (status, body, response) = await server.PostAsync("/log", """{"message":"one too many","service":"q"}""");
        Assert.Equal(429, status);
        Assert.Equal("quota_exceeded", body.GetProperty("code").GetString());
        Assert.Contains("global:5/1h", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("3000", response.Headers.RetryAfter?.ToString());

        await SetRulesAsync(server, null); // back to the file's rules: none
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(200, await PostAsync(server, $"free again {i}"));
        }

        await Api.FlushAsync(server);
        Assert.Equal(45, (await Api.SearchAllAsync(server, "service=q")).Count);
    }

    [Fact]
    public async Task A_rule_left_unchanged_keeps_its_count_a_changed_one_starts_afresh_and_a_bad_one_is_refused()
    {
        var clock = new ManualClock(HourStart + (10 * 60_000));
        await using var server = await TestServer.StartAsync(clock: clock);
        await SetRulesAsync(server, "global:5/1h");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, await PostAsync(server, $"a {i}"));
        }

        // Adding a rule keeps global:5/1h's count of 3: two more pass.
        await SetRulesAsync(server, "global:5/1h; trace:100/1h");
        Assert.Equal(200, await PostAsync(server, "b 0"));
        Assert.Equal(200, await PostAsync(server, "b 1"));
        Assert.Equal(429, await PostAsync(server, "b 2"));

        // global:6/1h is another rule: its window starts empty.
        await SetRulesAsync(server, "global:6/1h");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(200, await PostAsync(server, $"c {i}"));
        }

        Assert.Equal(429, await PostAsync(server, "c 6"));

        // The start-up validator refuses a bad rule or profile and the rules in force stay.
        var (status, body, _) = await server.PostAsync(Settings, """{"settings":{"Quotas:Rules":"global:lots/1h"}}""");
        Assert.Equal(400, status);
        Assert.Equal("invalid_setting", body.GetProperty("code").GetString());
        Assert.Equal("Quotas:Rules", body.GetProperty("field").GetString());
        (status, body, _) = await server.PostAsync(Settings, """{"settings":{"Quotas:Profile":"generous"}}""");
        Assert.Equal(400, status);
        Assert.Equal("Quotas:Profile", body.GetProperty("field").GetString());
        Assert.Equal(429, await PostAsync(server, "c 7"));
        Assert.True((await server.GetJsonAsync("/api/v1/config/health")).GetProperty("reloads").EnumerateArray()
            .Single(r => r.GetProperty("consumer").GetString() == "quotas").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Ingest_while_the_rules_change_back_and_forth_loses_nothing_and_fails_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var statuses = new ConcurrentBag<int>();
        var switching = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 3).Select(client => Task.Run(async () =>
        {
            var i = 0;
            while (!switching.IsCancellationRequested || i < 20)
            {
                var lines = string.Join('\n', Enumerable.Range(0, 5).Select(k => $$"""{"message":"c{{client}} {{i}} {{k}}","service":"swap"}"""));
                var (status, _, _) = await server.PostAsync("/api/ingest", lines, "application/x-ndjson");
                statuses.Add(status);
                i++;
            }
        })).ToList();

        // Generous rules and none, alternately: every batch passes whichever book it starts with.
        for (var round = 0; round < 12; round++)
        {
            await SetRulesAsync(server, round % 2 == 0 ? "global:1000000/1h; system=browser:400/1h; trace:1000000/1h" : null);
        }

        await switching.CancelAsync();
        await Task.WhenAll(clients);

        Assert.All(statuses, s => Assert.Equal(200, s));
        await Api.FlushAsync(server);
        Assert.Equal(statuses.Count * 5, (await Api.SearchAllAsync(server, "service=swap")).Count);
    }
}
