using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Summaries against counts computed here from the very events that were sent.</summary>
public sealed class SummaryApiTests
{
    private const long Hour5 = 1_767_225_600_000 + (5 * 3_600_000); // 2026-01-01T05:00:00Z
    private const long HourMs = 3_600_000;

    private sealed record TrafficEvent(string Id, long Ts, string Decision, string Country, string? Reason, string Domain, string Ip);

    private sealed record LogEvent(string Id, long Ts, string Level, string Service, string System, string Category);

    [Fact]
    public async Task Hour_and_day_summaries_equal_exact_counts_whether_sealed_or_in_memory()
    {
        var random = new Random(7);
        string[] decisions = ["allow", "allow", "allow", "block", "challenge"];
        string[] countries = [.. Enumerable.Range(0, 30).Select(i => $"C{i:D2}")];
        var traffic = Enumerable.Range(0, 24_000).Select(i => new TrafficEvent(
            $"t{i}", Hour5 + random.NextInt64(2 * HourMs), decisions[random.Next(decisions.Length)],
            countries[(int)Math.Min(29, random.NextDouble() * random.NextDouble() * 30)],
            random.Next(3) == 0 ? null : $"reason{random.Next(6)}", $"d{random.Next(12)}.example",
            $"10.{random.Next(40)}.{random.Next(256)}.{random.Next(256)}")).ToList();
        string[] levels = ["debug", "info", "info", "warn", "error"];
        var logs = Enumerable.Range(0, 6_000).Select(i => new LogEvent(
            $"l{i}", Hour5 + random.NextInt64(2 * HourMs), levels[random.Next(levels.Length)], $"svc{random.Next(5)}",
            random.Next(2) == 0 ? "backend" : "browser", random.Next(3) == 0 ? "audit" : "app")).ToList();

        var lines = traffic.Select(t =>
                $$"""{"id":"{{t.Id}}","kind":"traffic","timestamp":{{t.Ts}},"decision":"{{t.Decision}}","country":"{{t.Country}}",{{(t.Reason is null ? "" : $"\"reason\":\"{t.Reason}\",")}}"domain":"{{t.Domain}}","ip":"{{t.Ip}}"}""")
            .Concat(logs.Select(l => $$"""{"id":"{{l.Id}}","timestamp":{{l.Ts}},"level":"{{l.Level}}","message":"m","service":"{{l.Service}}","system":"{{l.System}}","category":"{{l.Category}}"}"""))
            .OrderBy(_ => random.Next()).ToList();

        // A fixed IP-hash key keeps the HyperLogLog estimate the same on every run (a random one missed by 2.3 % once).
        await using var server = await TestServer.StartAsync(o => o with { Privacy = new PrivacyOptions { IpHashKey = Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]) } });
        // Half sealed into parts, half still in memory: a summary must add the two without overlap.
        await Api.PostAsync(server, lines.Take(lines.Count / 2));
        await Api.FlushAsync(server);
        await Api.PostAsync(server, lines.Skip(lines.Count / 2));

        foreach (var (query, from, to) in new[]
        {
            ("granularity=hour&date=2026-01-01&hour=5", Hour5, Hour5 + HourMs),
            ("granularity=hour&date=2026-01-01&hour=6", Hour5 + HourMs, Hour5 + (2 * HourMs)),
            ("granularity=day&date=2026-01-01", Hour5 - (5 * HourMs), Hour5 + (19 * HourMs)),
        })
        {
            var expected = traffic.Where(t => t.Ts >= from && t.Ts < to).ToList();
            var summary = await server.GetJsonAsync("/api/traffic-logs/v2/summary?" + query);
            AssertTraffic(expected, summary, query);
        }

        // A log range that cuts both hours: whole-hour stored counts cannot answer it alone.
        var start = Hour5 + (HourMs / 2);
        var end = Hour5 + HourMs + (HourMs * 3 / 4);
        var logSummary = await server.GetJsonAsync($"/api/logs/analytics/summary?start_time={start}&end_time={end}");
        AssertLogs([.. logs.Where(l => l.Ts >= start && l.Ts < end)], logSummary);
        await AssertFiltered(server, traffic, logs, start, end, "half in memory");

        // The same answers once everything is sealed and read from the stored summaries after a restart.
        await Api.FlushAsync(server);
        await server.RestartAsync();
        AssertTraffic([.. traffic.Where(t => t.Ts >= Hour5 && t.Ts < Hour5 + HourMs)],
            await server.GetJsonAsync("/api/traffic-logs/v2/summary?granularity=hour&date=2026-01-01&hour=5"), "after restart");
        AssertLogs([.. logs.Where(l => l.Ts >= start && l.Ts < end)], await server.GetJsonAsync($"/api/logs/analytics/summary?start_time={start}&end_time={end}"));
        await AssertFiltered(server, traffic, logs, start, end, "sealed");
    }

    /// <summary>With <c>query=</c> the stored summaries cannot answer: the engine and the row predicate must agree.</summary>
    private static async Task AssertFiltered(TestServer server, List<TrafficEvent> traffic, List<LogEvent> logs, long start, long end, string because)
    {
        var trafficQuery = Uri.EscapeDataString("country:(C00 OR C01) -decision:allow");
        AssertTraffic([.. traffic.Where(t => t.Country is "C00" or "C01" && t.Decision != "allow")],
            await server.GetJsonAsync($"/api/traffic-logs/v2/summary?granularity=day&date=2026-01-01&query={trafficQuery}"), because + ", filtered");
        var logQuery = Uri.EscapeDataString("service:(svc1 OR svc2) level:>=warn");
        AssertLogs([.. logs.Where(l => l.Ts >= start && l.Ts < end && l.Service is "svc1" or "svc2" && l.Level is "warn" or "error")],
            await server.GetJsonAsync($"/api/logs/analytics/summary?start_time={start}&end_time={end}&query={logQuery}"));
    }

    private static void AssertTraffic(List<TrafficEvent> expected, JsonElement summary, string because)
    {
        Assert.True(expected.Count > 1000, because);
        Assert.Equal(expected.Count, summary.GetProperty("total_requests").GetInt64());
        Assert.Equal(Counts(expected.Select(t => t.Decision)), Map(summary.GetProperty("decisions")));
        Assert.Equal(Top(expected.Select(t => t.Country), 10), List(summary.GetProperty("top_countries"), "country"));
        Assert.Equal(Top(expected.Where(t => t.Reason is not null).Select(t => t.Reason!), 10), List(summary.GetProperty("top_reasons"), "reason"));
        Assert.Equal(Top(expected.Select(t => t.Domain), int.MaxValue), List(summary.GetProperty("domains"), "domain"));
        var exactIps = expected.Select(t => t.Ip).Distinct().Count();
        var estimate = summary.GetProperty("unique_ips").GetInt64();
        Assert.True(Math.Abs(estimate - exactIps) <= exactIps * 0.02, $"{because}: unique_ips {estimate}, exact {exactIps}");
    }

    private static void AssertLogs(List<LogEvent> expected, JsonElement summary)
    {
        Assert.Equal(expected.Count, summary.GetProperty("total").GetInt64());
        Assert.Equal(Counts(expected.Select(l => l.Level)), Map(summary.GetProperty("by_level")));
        Assert.Equal(Counts(expected.Select(l => l.Service)), Map(summary.GetProperty("by_service")));
        Assert.Equal(Counts(expected.Select(l => l.System)), Map(summary.GetProperty("by_system")));
        Assert.Equal(Counts(expected.Select(l => l.Category)), Map(summary.GetProperty("by_category")));
    }

    private static SortedDictionary<string, long> Counts(IEnumerable<string> values) =>
        new(values.GroupBy(v => v).ToDictionary(g => g.Key, g => (long)g.Count()), StringComparer.Ordinal);

    private static SortedDictionary<string, long> Map(JsonElement map) =>
        new(map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()), StringComparer.Ordinal);

    /// <summary>Most frequent first, ties by value: the order the API promises.</summary>
    private static List<(string, long)> Top(IEnumerable<string> values, int limit) =>
        [.. values.GroupBy(v => v).Select(g => (g.Key, (long)g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal).Take(limit)];

    private static List<(string, long)> List(JsonElement array, string key) =>
        [.. array.EnumerateArray().Select(e => (e.GetProperty(key).GetString()!, e.GetProperty("count").GetInt64()))];
}
