using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>Seed 001's pattern endpoints and the <c>patterns</c> pipe over HTTP, on logs crafted so every count is known.</summary>
public sealed class PatternApiTests
{
    private static readonly long Hour = 3_600_000;

    [Fact]
    public async Task The_report_counts_each_pattern_in_the_range_and_its_trend_against_the_range_before()
    {
        await using var server = await TestServer.StartAsync();
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / Hour * Hour;
        var start = end - Hour;
        var lines = new List<string>();
        lines.AddRange(Events(2, start - (Hour / 2), i => $"cache miss for key {i * 31}", "api"));
        lines.AddRange(Events(6, start + (Hour / 2), i => $"cache miss for key {i * 17}", "api"));
        lines.AddRange(Events(3, start - (Hour / 3), i => $"worker {i} restarted after crash", "jobs"));
        lines.AddRange(Events(2, start + (Hour / 3), i => $"disk /dev/sd{(char)('a' + i)} is 9{i}% full", "ops"));
        await Api.PostAsync(server, lines);

        var report = await server.GetJsonAsync($"/api/logs/analytics/patterns?start_time={start}&end_time={end}");
        var patterns = report.GetProperty("patterns").EnumerateArray().ToDictionary(p => p.GetProperty("pattern").GetString()!);
        Assert.Equal(2, patterns.Count); // the worker pattern is gone: below min_frequency=1
        var cache = patterns.Single(p => p.Key.StartsWith("cache miss", StringComparison.Ordinal)).Value;
        Assert.Equal(6, cache.GetProperty("frequency").GetInt64());
        Assert.Equal(2, cache.GetProperty("previous_frequency").GetInt64());
        Assert.Equal("up", cache.GetProperty("trend").GetString());
        Assert.Equal(3.0, cache.GetProperty("change").GetDouble());
        Assert.Equal("mined", cache.GetProperty("type").GetString());
        Assert.Equal(["api"], cache.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("info", cache.GetProperty("severity").GetString());
        var disk = patterns.Single(p => p.Key.StartsWith("disk", StringComparison.Ordinal)).Value;
        Assert.Equal("new", disk.GetProperty("trend").GetString());

        var all = await server.GetJsonAsync($"/api/logs/analytics/patterns?start_time={start}&end_time={end}&min_frequency=0&service=jobs");
        var gone = Assert.Single(all.GetProperty("patterns").EnumerateArray());
        Assert.Equal("gone", gone.GetProperty("trend").GetString());
        Assert.Equal(3, gone.GetProperty("previous_frequency").GetInt64());

        var analyzed = await server.PostAsync("/api/logs/analyze/patterns", $$"""{"time_range":{"start_time":{{start}},"end_time":{{end}}},"services":["ops"],"min_frequency":2}""");
        Assert.Equal(200, analyzed.Status);
        Assert.Equal(disk.GetProperty("id").GetString(), Assert.Single(analyzed.Body.GetProperty("patterns").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Every_log_event_carries_a_pattern_id_that_search_and_the_language_filter_on()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, Events(4, null, i => $"order {1000 + i} shipped to zone {i}", "shop").Concat(Events(3, null, i => $"payment declined code {i}", "pay")));
        var events = (await server.GetJsonAsync("/api/logs/search?q=shipped")).GetProperty("events").EnumerateArray().ToList();
        var id = events[0].GetProperty("pattern_id").GetString()!;
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("pattern_id").GetString()));

        var filtered = await server.GetJsonAsync($"/api/logs/search?query={Uri.EscapeDataString("pattern_id:" + id)}");
        Assert.Equal(4, filtered.GetProperty("events").GetArrayLength());

        var (status, body, _) = await server.PostAsync("/api/logs/analytics/custom", """{"query":"_time:1h | patterns"}""");
        Assert.Equal(200, status);
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([4L, 3L], rows.Select(r => r.GetProperty("count").GetInt64()));
        Assert.Equal("order <*> shipped to zone <*>", rows[0].GetProperty("pattern").GetString());

        var diff = await server.PostAsync("/api/logs/analytics/custom", """{"query":"_time:1h | patterns diff"}""");
        Assert.Equal(["new", "new"], diff.Body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("change").GetString()));
        var unbounded = await server.PostAsync("/api/logs/analytics/custom", """{"query":"| patterns diff"}""");
        Assert.Equal(400, unbounded.Status);
        Assert.Equal("invalid_query", unbounded.Body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Pattern_ids_stay_the_same_across_a_restart()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, Events(3, null, i => $"session {i * 97} expired for user u{i}", "auth"));
        var before = (await server.GetJsonAsync("/api/logs/search?q=expired")).GetProperty("events")[0].GetProperty("pattern_id").GetString();
        await server.RestartAsync();
        await Api.PostAsync(server, Events(1, null, _ => "session 5 expired for user u777", "auth"));
        var after = (await server.GetJsonAsync("/api/logs/search?q=u777")).GetProperty("events")[0].GetProperty("pattern_id").GetString();
        Assert.Equal(before, after);
        var known = await server.GetJsonAsync($"/api/logs/patterns/{after}");
        Assert.Equal(4, known.GetProperty("frequency").GetInt64());
    }

    [Fact]
    public async Task Learnt_templates_take_precedence_and_similar_finds_the_nearest()
    {
        await using var server = await TestServer.StartAsync();
        var learnt = await server.PostAsync("/api/logs/patterns/learn", """{"patterns":[{"template":"payment <*> failed","name":"payment_failed"},{"regex":"^GET /health\\b","name":"health"}]}""");
        Assert.Equal(200, learnt.Status);
        var ids = learnt.Body.GetProperty("patterns").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        await Api.PostAsync(server, Events(1, null, _ => "payment 881 failed", "pay").Concat(Events(1, null, _ => "GET /health 200", "lb")).Concat(Events(2, null, i => $"payment {i} refunded to card", "pay")));
        var search = await server.GetJsonAsync("/api/logs/search?limit=10");
        var byMessage = search.GetProperty("events").EnumerateArray().ToDictionary(e => e.GetProperty("message").GetString()!, e => e.GetProperty("pattern_id").GetString());
        Assert.Equal(ids[0], byMessage["payment 881 failed"]);
        Assert.Equal(ids[1], byMessage["GET /health 200"]);

        var similar = await server.GetJsonAsync($"/api/logs/patterns/similar?pattern_id={byMessage["payment 0 refunded to card"]}");
        var nearest = similar.GetProperty("patterns")[0];
        Assert.Equal(ids[0], nearest.GetProperty("id").GetString());
        Assert.Equal("payment_failed", nearest.GetProperty("name").GetString());
        Assert.InRange(nearest.GetProperty("score").GetDouble(), 0.01, 1);
    }

    [Fact]
    public async Task A_client_s_own_pattern_id_is_kept_as_an_attribute_and_the_server_names_the_pattern()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, ["""{"message":"cart 7 emptied","pattern_id":"0123456789abcdef"}"""]);
        var e = (await server.GetJsonAsync("/api/logs/search?q=emptied")).GetProperty("events")[0];
        Assert.NotEqual("0123456789abcdef", e.GetProperty("pattern_id").GetString());
        Assert.Equal("0123456789abcdef", e.GetProperty("attributes").GetProperty("pattern_id").GetString());
    }

    [Fact]
    public async Task An_unreadable_catalog_is_set_aside_and_the_server_starts()
    {
        var dir = TestServer.NewDataDir();
        Directory.CreateDirectory(Path.Combine(dir, "meta"));
        await File.WriteAllTextAsync(Path.Combine(dir, "meta", "patterns.json"), "{ not json");
        try
        {
            await using var server = await TestServer.StartAsync(dataDir: dir);
            await Api.PostAsync(server, ["""{"message":"started after a bad catalog"}"""]);
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "meta"), "patterns.json.unreadable-*"));
            var e = (await server.GetJsonAsync("/api/logs/search?q=bad%20catalog")).GetProperty("events")[0];
            Assert.Matches("^[0-9a-f]{16}$", e.GetProperty("pattern_id").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"patterns":[{"name":"x"}]}""", "missing_field", "patterns[0].template")]
    [InlineData("""{"patterns":[{"template":"a <*>"},{"regex":"(["}]}""", "invalid_parameter", "patterns[1]")]
    [InlineData("""{"patterns":[{"template":5}]}""", "invalid_type", "patterns[0].template")]
    [InlineData("""{"patterns":[]}""", "invalid_parameter", "patterns")]
    public async Task Bad_patterns_to_learn_are_refused_naming_the_field(string body, string code, string field)
    {
        await using var server = await TestServer.StartAsync();
        var (status, answer, _) = await server.PostAsync("/api/logs/patterns/learn", body);
        Assert.Equal(400, status);
        Assert.Equal(code, answer.GetProperty("code").GetString());
        Assert.Equal(field, answer.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("/api/logs/analytics/patterns?min_frequency=-1", "min_frequency")]
    [InlineData("/api/logs/analytics/patterns?level=loud", "level")]
    [InlineData("/api/logs/analytics/patterns?limit=5000", "limit")]
    [InlineData("/api/logs/patterns/similar", "message")]
    public async Task Bad_parameters_are_refused_naming_them(string url, string field)
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Http.GetAsync(url);
        Assert.Equal(400, (int)response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(field, body.GetProperty("field").GetString());
    }

    private static IEnumerable<string> Events(int count, long? timestamp, Func<int, string> message, string service) =>
        Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["message"] = message(i),
            ["service"] = service,
            ["level"] = Levels.Name(EventLevel.Info),
            ["timestamp"] = timestamp is { } t ? t + i : null,
        }));
}
