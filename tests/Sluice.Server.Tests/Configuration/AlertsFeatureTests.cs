using Sluice.Server.Tests.Analysis;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Configuration;

public sealed class AlertsFeatureTests
{
    [Fact]
    public async Task With_alerts_off_the_minute_ticker_evaluates_nothing_and_with_them_on_again_the_rule_fires()
    {
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(o => o with { Alerts = o.Alerts with { TickMs = 20 } }, clock: clock);
        Assert.Equal(200, (await server.PostAsync("/api/v1/config/settings", """{"settings":{"Features:Alerts":false}}""")).Status);
        await AlertApi.CreateRuleAsync(server, """{"name":"payment errors","kind":"threshold","query":"level:error","above":1,"cooldown_minutes":0}""");
        await AlertApi.PostErrorsAsync(server, 3);

        // Several new minutes pass, each seen by many ticks; none evaluates while the flag is off.
        for (var minute = 0; minute < 3; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(200);
            Assert.Empty((await server.GetJsonAsync("/api/alerts")).GetProperty("alerts").EnumerateArray());
        }

        Assert.Equal(200, (await server.PostAsync("/api/v1/config/settings", """{"settings":{"Features:Alerts":true}}""")).Status);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await server.GetJsonAsync("/api/alerts")).GetProperty("alerts").GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the rule never fired once alerts were on again");
            await Task.Delay(50);
        }
    }
}

public sealed class VolumeAlertReloadTests
{
    [Fact]
    public async Task A_lower_volume_threshold_set_at_runtime_holds_for_the_next_events()
    {
        var clock = new ManualClock(1_767_225_600_000);
        await using var server = await TestServer.StartAsync(o => o with
        {
            Alerts = o.Alerts with { VolumeFactor = 10, VolumeMinEventsPerMinute = 100_000, CooldownSeconds = 0 },
        }, clock: clock);
        var alerts = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Sluice.Admission.Alerts.AlertPublisher>(server.App.Services);
        for (var m = 0; m < 5; m++)
        {
            await Api.PostAsync(server, Enumerable.Range(0, 10).Select(i => $$"""{"message":"normal {{m}} {{i}}"}"""));
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await Api.PostAsync(server, Enumerable.Range(0, 300).Select(i => $$"""{"message":"flood {{i}}"}"""));
        Assert.Empty(alerts.Recent); // 300 a minute is under the floor of 100,000

        var (status, body, _) = await server.PostAsync("/api/v1/config/settings", """{"settings":{"Alerts:VolumeMinEventsPerMinute":50},"reason":"catch smaller floods"}""");
        Assert.True(status == 200, body.ToString());
        await Api.PostAsync(server, Enumerable.Range(0, 300).Select(i => $$"""{"message":"flood again {{i}}"}"""));
        Assert.Contains(alerts.Recent, a => a.Kind == "volume_spike");
        var reload = (await server.GetJsonAsync("/api/v1/config/health")).GetProperty("reloads").EnumerateArray().Single();
        Assert.Equal("volume-alerts", reload.GetProperty("consumer").GetString());
        Assert.True(reload.GetProperty("ok").GetBoolean());
    }
}
