using System.Collections.Concurrent;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Quotas over HTTP: 429 with Retry-After and <c>remaining_quota</c>, per-event refusals, honest sampling.</summary>
public sealed class QuotaApiTests
{
    private const long HourStart = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    [Fact]
    public async Task Dev_logging_profile_admits_exactly_the_browser_share_then_answers_429_until_the_hour_ends()
    {
        var clock = new ManualClock(HourStart + (10 * 60_000));
        await using var server = await TestServer.StartAsync(o => o with { Quotas = o.Quotas with { Profile = "dev-logging" } }, clock: clock);
        var remaining = new ConcurrentBag<long>();
        var refused = new ConcurrentBag<(int Status, JsonElement Body, string? RetryAfter)>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < 105; i++)
            {
                var (status, body, response) = await server.PostAsync("/log", """{"message":"clicked","system":"browser"}""");
                if (status == 200)
                {
                    remaining.Add(body.GetProperty("remaining_quota").GetInt64());
                }
                else
                {
                    refused.Add((status, body, response.Headers.RetryAfter?.ToString()));
                }
            }
        })));

        // 40 % of 1000 an hour: exactly 400 pass, each told how many are left after it by its tightest rule —
        // the browser share, or the 100 an hour of its own (new) trace.
        Assert.Equal(400, remaining.Count);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)Math.Min(i, 99)).Order(), remaining.Order());
        Assert.Equal(20, refused.Count);
        foreach (var (status, body, retryAfter) in refused)
        {
            Assert.Equal(429, status);
            Assert.Equal("3000", retryAfter); // 50 minutes to the top of the hour
            Assert.False(body.GetProperty("success").GetBoolean());
            Assert.Equal("quota_exceeded", body.GetProperty("code").GetString());
            Assert.Equal("system", body.GetProperty("field").GetString());
            Assert.Equal(0, body.GetProperty("remaining_quota").GetInt64());
            Assert.Equal(32, body.GetProperty("trace_id").GetString()!.Length);
            Assert.Contains("system=browser:400/1h", body.GetProperty("error").GetString());
        }

        // Backend events still have their own share; one trace has 100 an hour.
        for (var i = 0; i < 100; i++)
        {
            var (status, body, _) = await server.PostAsync("/log", """{"message":"job step","system":"backend","trace_id":"t-1"}""");
            Assert.Equal((200, 99L - i), (status, body.GetProperty("remaining_quota").GetInt64()));
        }

        var (traceFull, traceBody, _) = await server.PostAsync("/log", """{"message":"job step","system":"backend","trace_id":"t-1"}""");
        Assert.Equal((429, "trace_id"), (traceFull, traceBody.GetProperty("field").GetString()));

        // One millisecond before the hour ends the browser is still refused; at the hour a new window opens.
        clock.Advance(TimeSpan.FromMinutes(50) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(429, (await server.PostAsync("/log", """{"message":"clicked","system":"browser"}""")).Status);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var (next, nextBody, _) = await server.PostAsync("/log", """{"message":"clicked","system":"browser","trace_id":"t-2"}""");
        Assert.Equal(200, next);
        Assert.Equal(99, nextBody.GetProperty("remaining_quota").GetInt64());

        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_quota_rejected_total{rule=\"system=browser:400/1h:reject\",scope=\"system\"} 21", metrics);
        Assert.Contains("sluice_quota_rejected_total{rule=\"trace:100/1h:reject\",scope=\"trace\"} 1", metrics);
        Assert.Contains("sluice_http_requests_total{endpoint=\"/log\",status=\"429\"} 22", metrics);
        // Once, at the first refusal of the window: not again at the refusal 50 minutes later.
        Assert.Contains("sluice_alerts_total{kind=\"quota_rejecting\",scope=\"system\"} 1", metrics);
        Assert.Contains("sluice_alerts_total{kind=\"quota_rejecting\",scope=\"trace\"} 1", metrics);
    }

    [Fact]
    public async Task A_batch_past_the_limit_keeps_what_fits_and_names_each_refused_event()
    {
        var clock = new ManualClock(HourStart);
        await using var server = await TestServer.StartAsync(o => o with { Quotas = o.Quotas with { Rules = "global:10/1h" } }, clock: clock);
        var (s1, b1, _) = await server.PostAsync("/api/ingest", Lines(0, 8), "application/x-ndjson");
        Assert.Equal((200, 8), (s1, b1.GetProperty("accepted").GetInt32()));

        // Line 1 is malformed, lines 0, 2, 3, 4 are good: two fit, two are refused by the quota.
        var body = string.Join('\n', "{\"message\":\"a\"}", "{\"message\":", "{\"message\":\"b\"}", "{\"message\":\"c\"}", "{\"message\":\"d\"}");
        var (s2, b2, r2) = await server.PostAsync("/api/ingest", body, "application/x-ndjson");
        Assert.Equal(200, s2);
        Assert.Equal(2, b2.GetProperty("accepted").GetInt32());
        var rejected = b2.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("code").GetString())).ToList();
        Assert.Equal([(1, "malformed_json"), (3, "quota_exceeded"), (4, "quota_exceeded")], rejected);
        Assert.Equal("3600", r2.Headers.RetryAfter!.ToString());

        var (s3, b3, r3) = await server.PostAsync("/api/ingest", Lines(100, 3), "application/x-ndjson");
        Assert.Equal(429, s3);
        Assert.Equal("quota_exceeded", b3.GetProperty("code").GetString());
        Assert.Equal(3, b3.GetProperty("rejected").GetArrayLength());
        Assert.Equal("3600", r3.Headers.RetryAfter!.ToString());

        Assert.Equal(10, (await Api.SearchAllAsync(server, "q=")).Count);
    }

    [Fact]
    public async Task A_spike_of_100_times_normal_volume_is_sampled_and_the_summary_stays_within_1_percent()
    {
        var clock = new ManualClock(HourStart + 60_000);
        await using var server = await TestServer.StartAsync(o => o with { Quotas = o.Quotas with { Profile = "traffic" } }, clock: clock);
        var random = new Random(11);
        string[] countries = ["DE", "NL", "US", "FR", "BR", "IN"];
        string[] decisions = ["allow", "allow", "allow", "block", "challenge"];
        string[] reasons = ["bot", "rate", "geo"];
        var sent = new List<(string Country, string Decision, string? Reason)>();
        string Batch(int size)
        {
            var lines = new List<string>();
            for (var i = 0; i < size; i++)
            {
                var (country, decision) = (countries[random.Next(countries.Length)], decisions[random.Next(decisions.Length)]);
                var reason = decision == "allow" ? null : reasons[random.Next(reasons.Length)];
                sent.Add((country, decision, reason));
                lines.Add(JsonSerializer.Serialize(new { domain = "shop.example", country, decision, reason, ip = $"10.0.{i % 200}.{random.Next(250)}" }));
            }

            return string.Join('\n', lines);
        }

        // Normal volume: 10 batches of 100, all kept whole.
        var sampledOut = 0;
        for (var b = 0; b < 10; b++)
        {
            var (status, body, _) = await server.PostAsync("/api/traffic-logs/v2", Batch(100), "application/x-ndjson");
            Assert.Equal((200, 100), (status, body.GetProperty("accepted").GetInt32()));
            Assert.False(body.TryGetProperty("sampled_out", out _));
        }

        // The spike: 100 × that in the same hour, every event still answered as accepted.
        for (var b = 0; b < 50; b++)
        {
            var (status, body, _) = await server.PostAsync("/api/traffic-logs/v2", Batch(2000), "application/x-ndjson");
            Assert.Equal((200, 2000), (status, body.GetProperty("accepted").GetInt32()));
            sampledOut += body.TryGetProperty("sampled_out", out var n) ? n.GetInt32() : 0;
        }

        await Api.FlushAsync(server); // writes out the events sampling held back, then seals
        var summary = await server.GetJsonAsync("/api/traffic-logs/v2/summary?granularity=hour&date=2026-01-01&hour=0");
        Within1Percent(sent.Count, summary.GetProperty("total_requests").GetInt64(), "total");
        foreach (var group in sent.GroupBy(s => s.Decision))
        {
            Within1Percent(group.Count(), summary.GetProperty("decisions").GetProperty(group.Key).GetInt64(), group.Key);
        }

        var countriesSeen = summary.GetProperty("top_countries").EnumerateArray().ToDictionary(e => e.GetProperty("country").GetString()!, e => e.GetProperty("count").GetInt64());
        foreach (var group in sent.GroupBy(s => s.Country))
        {
            Within1Percent(group.Count(), countriesSeen[group.Key], group.Key);
        }

        var reasonsSeen = summary.GetProperty("top_reasons").EnumerateArray().ToDictionary(e => e.GetProperty("reason").GetString()!, e => e.GetProperty("count").GetInt64());
        foreach (var group in sent.Where(s => s.Reason is not null).GroupBy(s => s.Reason!))
        {
            Within1Percent(group.Count(), reasonsSeen[group.Key], group.Key);
        }

        // Far fewer events were stored than received, and each sampled one says what it stands for.
        var stored = await Api.SearchAllAsync(server, "kind=traffic", 10_000);
        Assert.True(stored.Count < sent.Count / 5, $"{stored.Count} of {sent.Count} events stored");
        Assert.True(sampledOut > sent.Count / 2, $"only {sampledOut} sampled out");
        Assert.Equal(sent.Count, stored.Sum(e => e.TryGetProperty("sample_weight", out var w) ? w.GetInt64() : 1));

        // Every aggregate counts the received events too: stats, top, the aggregate endpoint and formulas.
        var range = $"start_time={HourStart}&end_time={HourStart + 3_600_000}";
        var (_, stats, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = $"kind:traffic _time:[{HourStart}, {HourStart + 3_600_000}) | stats count() as n by (decision)" }));
        foreach (var row in stats.GetProperty("rows").EnumerateArray())
        {
            Within1Percent(sent.Count(s => s.Decision == row.GetProperty("decision").GetString()), row.GetProperty("n").GetInt64(), "stats " + row.GetProperty("decision").GetString());
        }

        var (_, top, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = $"kind:traffic _time:[{HourStart}, {HourStart + 3_600_000}) | top 10 country" }));
        Assert.Equal(countries.Length, top.GetProperty("rows").GetArrayLength());
        foreach (var row in top.GetProperty("rows").EnumerateArray())
        {
            Within1Percent(sent.Count(s => s.Country == row.GetProperty("country").GetString()), row.GetProperty("count").GetInt64(), "top " + row.GetProperty("country").GetString());
        }

        var aggregate = await server.GetJsonAsync($"/api/logs/aggregate?group_by=country&query=kind:traffic&{range}");
        Within1Percent(sent.Count, aggregate.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64()), "aggregate");
        var (_, formula, _) = await server.PostAsync("/api/v1/formulas/execute", JsonSerializer.Serialize(new { formula = "count(decision:block)", filter = "kind:traffic", start_time = HourStart, end_time = HourStart + 3_600_000 }));
        Assert.True(formula.TryGetProperty("value", out var blocked), formula.ToString());
        Within1Percent(sent.Count(s => s.Decision == "block"), (long)blocked.GetDouble(), "formula");

        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Contains($"sluice_quota_sampled_out_total{{rule=\"domain:1000/1h:sample\",scope=\"domain\"}} {sampledOut}", metrics);

        // After a restart the server learns from its parts that weights exist, and counts still read them.
        await server.RestartAsync();
        var (_, again, _) = await server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = $"kind:traffic _time:[{HourStart}, {HourStart + 3_600_000}) | stats count() as n" }));
        Within1Percent(sent.Count, again.GetProperty("rows")[0].GetProperty("n").GetInt64(), "stats after restart");
        Assert.Contains("sluice_alerts_total{kind=\"quota_sampling\",scope=\"domain\"} 1", metrics);
    }

    private static void Within1Percent(long truth, long reported, string what) =>
        Assert.True(Math.Abs(reported - truth) <= truth * 0.01, $"{what}: reported {reported}, sent {truth}");

    private static string Lines(int from, int count) =>
        string.Join('\n', Enumerable.Range(from, count).Select(i => $$"""{"message":"line {{i}}"}"""));
}
