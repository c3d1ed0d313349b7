using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Analysis;

/// <summary>The protection layer's volume alerts folded into alert rules: a <c>volume</c> rule sends them through its channels, with history, and resolves them.</summary>
public sealed class VolumeRuleTests
{
    [Fact]
    public async Task A_volume_spike_fires_a_volume_rule_with_the_scope_s_events_as_evidence_and_resolves_a_window_later()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(o => o with
        {
            Alerts = o.Alerts with { VolumeFactor = 10, VolumeMinEventsPerMinute = 50, CooldownSeconds = 600 },
        }, clock: clock);
        await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"floods","kind":"volume","volume_kinds":["volume_spike"],"window_minutes":5,"channels":[{"type":"webhook","url":"{{receiver.Url}}"}]}
            """);

        // Five quiet minutes on one domain set its baseline; then a flood on it.
        for (var m = 0; m < 5; m++)
        {
            await Api.PostAsync(server, Enumerable.Range(0, 10).Select(i => $$"""{"kind":"traffic","domain":"shop.example","path":"/p/{{m}}/{{i}}","decision":"allow"}"""));
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await AlertApi.EvaluateAsync(server);
        Assert.Empty(receiver.Posts);
        await Api.PostAsync(server, Enumerable.Range(0, 300).Select(i => $$"""{"kind":"traffic","domain":"shop.example","path":"/flood/{{i}}","decision":"block"}"""));
        await AlertApi.EvaluateAsync(server);
        var fired = (await server.GetJsonAsync("/api/alerts")).GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("group_key").GetString()).ToList();
        Assert.Contains("volume_spike domain=shop.example", fired);
        await receiver.WaitForAsync(fired.Count);
        var keys = receiver.Posts.Select(p => p.GetProperty("group_key").GetString()).ToList();
        Assert.Equal(fired.Order(), keys.Order());
        var domain = receiver.Posts.Single(p => p.GetProperty("group_key").GetString() == "volume_spike domain=shop.example");
        Assert.Equal("firing", domain.GetProperty("state").GetString());
        Assert.Equal(300, domain.GetProperty("figures").GetProperty("events").GetDouble());
        Assert.Equal("domain:\"shop.example\"", domain.GetProperty("query").GetString());
        Assert.All(domain.GetProperty("samples").EnumerateArray(), s => Assert.Contains("/flood/", s.GetProperty("path").GetString()));

        clock.Advance(TimeSpan.FromMinutes(6));
        await AlertApi.EvaluateAsync(server);
        await receiver.WaitForAsync(2 * keys.Count);
        Assert.All(keys, key => Assert.Equal(["firing", "resolved"],
            receiver.Posts.Where(p => p.GetProperty("group_key").GetString() == key).Select(p => p.GetProperty("state").GetString())));
        var history = (await server.GetJsonAsync("/api/alerts/history")).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("state").GetString()).ToList();
        Assert.Contains("resolved", history);
    }

    [Fact]
    public async Task An_unknown_volume_kind_is_refused_naming_the_field()
    {
        await using var server = await TestServer.StartAsync();
        var (status, json, _) = await server.PostAsync("/api/alerts/rules", """{"name":"x","kind":"volume","volume_kinds":["tsunami"]}""");
        Assert.Equal(400, status);
        Assert.Equal("volume_kinds", json.GetProperty("field").GetString());
    }
}
