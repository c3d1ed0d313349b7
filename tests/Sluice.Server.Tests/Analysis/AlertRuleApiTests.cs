using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Analysis;

/// <summary>The alert-rule endpoints: validation naming the field, silences, the list of what fires and the history.</summary>
public sealed class AlertRuleApiTests
{
    [Theory]
    [InlineData("""{"name":"x","kind":"threshold","query":"level:error","above":1,"channels":[{"type":"webhook","url":"ftp://nowhere"}]}""", "channels[0].url")]
    [InlineData("""{"name":"x","kind":"sometimes","query":"level:error"}""", "kind")]
    [InlineData("""{"name":"x","kind":"threshold","query":"level:error"}""", "above")]
    [InlineData("""{"name":"x","kind":"absence","query":"level:error (","window_minutes":5}""", "query")]
    [InlineData("""{"name":"x","kind":"threshold","query":"level:error","above":1,"cooldown":5}""", "cooldown")]
    [InlineData("""{"name":null,"kind":"threshold","query":"level:error","above":1}""", "name")]
    [InlineData("""{"name":"x","kind":"threshold","query":"level:error","above":1,"channels":null}""", "channels")]
    public async Task A_bad_rule_is_a_400_naming_its_field(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var (status, json, _) = await server.PostAsync("/api/alerts/rules", body);
        Assert.Equal(400, status);
        Assert.Equal(field, json.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_silenced_rule_fires_in_the_history_but_sends_nothing_until_the_silence_is_lifted()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(clock: clock);
        var rule = await AlertApi.CreateRuleAsync(server, $$"""
            {"name":"payment errors","kind":"threshold","query":"level:error","above":1,"cooldown_minutes":0,"channels":[{"type":"webhook","url":"{{receiver.Url}}"}]}
            """);
        var id = rule.GetProperty("id").GetString()!;
        var (status, silence, _) = await server.PostAsync($"/api/alerts/rules/{id}/silence", """{"minutes":30}""");
        Assert.True(status == 200, silence.ToString());
        Assert.Equal(clock.UnixMilliseconds + (30 * 60_000), silence.GetProperty("muted_until_ms").GetInt64());

        await AlertApi.PostErrorsAsync(server, 3);
        await AlertApi.EvaluateAsync(server);
        var history = (await server.GetJsonAsync($"/api/alerts/history?rule={id}")).GetProperty("history");
        Assert.Equal("silenced", history[0].GetProperty("state").GetString());
        var firing = Assert.Single((await server.GetJsonAsync("/api/alerts")).GetProperty("alerts").EnumerateArray());
        Assert.True(firing.GetProperty("muted").GetBoolean());
        Assert.False(firing.GetProperty("notified").GetBoolean());

        // Lifted: the next firing is sent.
        using var lifted = await server.Http.DeleteAsync($"/api/alerts/rules/{id}/silence");
        Assert.Equal(204, (int)lifted.StatusCode);
        clock.Advance(TimeSpan.FromMinutes(10)); // the errors leave the window: resolved (nothing was sent, nothing to resolve)
        await AlertApi.EvaluateAsync(server);
        await AlertApi.PostErrorsAsync(server, 3);
        await AlertApi.EvaluateAsync(server);
        await receiver.WaitForAsync(1);
        Assert.Equal("firing", Assert.Single(receiver.Posts).GetProperty("state").GetString());
        var states = (await server.GetJsonAsync($"/api/alerts/history?rule={id}")).GetProperty("history").EnumerateArray().Select(h => h.GetProperty("state").GetString());
        Assert.Equal(["firing", "resolved", "silenced"], states);
    }
}
