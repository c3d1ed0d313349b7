using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Analysis;

/// <summary>Monitors over HTTP: backfilled from stored events by a query, evaluated from counts, kept across a restart.</summary>
public sealed class MonitorApiTests
{
    private const long Hour = 3_600_000;
    private const long Day = 24 * Hour;
    private static readonly long Now = 1_767_225_600_000 + (8 * Day) + (10 * Hour); // 10:00, eight days in

    private const string Monitor = """
        {"name":"shop blocks","query":"kind:traffic decision:block domain:shop.example","window_minutes":60,
         "baseline":{"kind":"median_mad","days":7},"threshold":{"mode":"percent","warning":10,"critical":25,"direction":"drop"},
         "value_per_event":0.5,"unit":"€"}
        """;

    [Fact]
    public async Task A_monitor_is_backfilled_goes_critical_on_a_drop_and_survives_a_restart_with_its_alert_rule()
    {
        var clock = new ManualClock(Now);
        await using var server = await TestServer.StartAsync(clock: clock);

        // 09:00–10:00 held 20 blocks on each of the last seven days, and 14 today; other domains do not count.
        var lines = new List<string>();
        for (var day = 0; day <= 7; day++)
        {
            var hourStart = Now - Hour - (day * Day);
            var count = day == 0 ? 14 : 20;
            lines.AddRange(Enumerable.Range(0, count).Select(i => Traffic(hourStart + (i * 60_000), "shop.example")));
            lines.Add(Traffic(hourStart + 5, "other.example"));
        }

        await Api.PostAsync(server, lines);
        var (status, created, _) = await server.PostAsync("/api/v1/monitors", Monitor);
        Assert.True(status == 201, created.ToString());
        var id = created.GetProperty("id").GetString()!;

        await AlertApi.CreateRuleAsync(server, $$"""{"name":"shop monitor","kind":"monitor","monitor_id":"{{id}}","min_status":"critical"}""");
        await AlertApi.EvaluateAsync(server);

        var monitor = await server.GetJsonAsync($"/api/v1/monitors/{id}?hours=2");
        Assert.Equal("critical", monitor.GetProperty("status").GetString());
        var reading = monitor.GetProperty("reading");
        Assert.Equal(14, reading.GetProperty("observed").GetDouble());
        Assert.Equal(20, reading.GetProperty("expected").GetDouble());
        Assert.Equal("6 events, about 3 €, below baseline in the last hour", reading.GetProperty("summary").GetString());
        var last = monitor.GetProperty("series")[0]; // [0] the last whole hour, [1] the current one
        Assert.Equal((Now - Hour, 14.0, 20.0, 18.0, 22.0), (last.GetProperty("start_ms").GetInt64(), last.GetProperty("observed").GetDouble(),
            last.GetProperty("expected").GetDouble(), last.GetProperty("lower").GetDouble(), last.GetProperty("upper").GetDouble()));
        Assert.Equal("critical", monitor.GetProperty("history")[0].GetProperty("to").GetString());

        // Counted at ingest from now on, not by rescanning: six more blocks in the current hour show in its bucket.
        clock.Advance(TimeSpan.FromMinutes(1));
        await Api.PostAsync(server, Enumerable.Range(0, 6).Select(i => Traffic(Now + i, "shop.example")));
        var series = (await server.GetJsonAsync($"/api/v1/monitors/{id}?hours=1")).GetProperty("series");
        Assert.Equal(6, series[0].GetProperty("observed").GetDouble());

        // This minute is evaluated before the restart, so the evaluation the restarted server runs at once finds
        // the same status and changes nothing: what is compared below is what was saved.
        await AlertApi.EvaluateAsync(server);
        var before = await server.GetJsonAsync($"/api/v1/monitors/{id}?hours=1");
        var historyBefore = (await server.GetJsonAsync("/api/alerts/history")).GetProperty("history").ToString();
        await server.RestartAsync();
        var again = await server.GetJsonAsync($"/api/v1/monitors/{id}?hours=1");
        Assert.Equal(before.GetProperty("status").GetString(), again.GetProperty("status").GetString());
        Assert.Equal(before.GetProperty("history").ToString(), again.GetProperty("history").ToString());
        Assert.Contains("critical", again.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to").GetString()));
        Assert.Equal("shop blocks", again.GetProperty("name").GetString());
        var rules = (await server.GetJsonAsync("/api/alerts/rules")).GetProperty("rules");
        var rule = Assert.Single(rules.EnumerateArray());
        Assert.Equal(id, rule.GetProperty("spec").GetProperty("monitor_id").GetString());
        Assert.Equal(historyBefore, (await server.GetJsonAsync("/api/alerts/history")).GetProperty("history").ToString());
        Assert.Contains("firing", JsonDocument.Parse(historyBefore).RootElement.EnumerateArray().Select(h => h.GetProperty("state").GetString()));

        // After the restart the current hour is counted again by the backfill, once.
        await AlertApi.EvaluateAsync(server);
        Assert.Equal(6, (await server.GetJsonAsync($"/api/v1/monitors/{id}?hours=1")).GetProperty("series")[0].GetProperty("observed").GetDouble());
    }

    [Theory]
    [InlineData("""{"name":"m","query":"kind:traffic","threshold":{"warning":30,"critical":10}}""", "threshold.critical")]
    [InlineData("""{"name":"m","query":"kind:traffic","treshold":{}}""", "treshold")]
    [InlineData("""{"name":"m","query":"kind:traffic","window_minutes":"sixty"}""", "window_minutes")]
    [InlineData("""{"name":"m","query":"kind:traffic | stats count()"}""", "query")]
    [InlineData("""{"name":"","query":"kind:traffic"}""", "name")]
    [InlineData("""{"name":"m","query":"kind:traffic","baseline":null}""", "baseline")]
    [InlineData("""{"name":"m","query":"kind:traffic","threshold":null}""", "threshold")]
    public async Task A_bad_monitor_is_a_400_naming_its_field(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var (status, json, _) = await server.PostAsync("/api/v1/monitors", body);
        Assert.Equal(400, status);
        Assert.Equal(field, json.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Experiment_health_flags_the_variant_whose_block_share_differs()
    {
        var clock = new ManualClock(Now);
        await using var server = await TestServer.StartAsync(clock: clock);
        var lines = new List<string>();
        foreach (var (variant, total, blocked) in new[] { ("a", 400, 20), ("b", 400, 80) })
        {
            lines.AddRange(Enumerable.Range(0, total).Select(i =>
                $$$"""{"kind":"traffic","timestamp":{{{Now - 1000 - i}}},"domain":"shop.example","decision":"{{{(i < blocked ? "block" : "allow")}}}","attributes":{"variant":"{{{variant}}}"}}"""));
        }

        await Api.PostAsync(server, lines);
        var (status, json, _) = await server.PostAsync("/api/v1/monitors/experiment",
            """{"query":"kind:traffic domain:shop.example","numerator":"decision:block","segment_by":"variant","control":"a","window_minutes":60}""");
        Assert.True(status == 200, json.ToString());
        Assert.True(json.GetProperty("significant").GetBoolean());
        var b = json.GetProperty("segments")[1];
        Assert.Equal(("b", 400, 80), (b.GetProperty("value").GetString(), b.GetProperty("events").GetInt64(), b.GetProperty("hits").GetInt64()));
        Assert.True(b.GetProperty("p_value").GetDouble() < 0.001);
    }

    private static string Traffic(long ts, string domain) =>
        $$"""{"kind":"traffic","timestamp":{{ts}},"domain":"{{domain}}","decision":"block","path":"/checkout"}""";
}
