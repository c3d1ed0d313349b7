using System.Globalization;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>
/// The query language end to end: every answer equals the same computation done here in C# over the events that
/// were sent. Half the events are sealed into parts and half still in memory, so each filter runs through both of
/// its implementations (SQL over parts, the row predicate over memory) at once; then everything is sealed and the
/// filters run again.
/// </summary>
public sealed class QueryLanguageApiTests : IAsyncLifetime
{
    private const long Start = 1_767_243_600_000; // 2026-01-01T05:00:00Z
    private const long HalfHour = 1_800_000;
    private static readonly List<Ev> Events = Generate();
    private TestServer _server = null!;

    private sealed record Ev(string Id, long Ts, string Kind, string Level, string? Service, string Message, string? Region, long? Bytes,
        string? UserId, string? Domain, string? Path, int? Status, string? Decision, string? Country, int? Risk, string? Ip)
    {
        /// <summary>An attribute whose text is sometimes not a finite number.</summary>
        public string? Score { get; init; }
    }

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        var lines = Events.Select(ToJson).ToList();
        await Api.PostAsync(_server, lines.Where((_, i) => i % 2 == 0));
        await Api.FlushAsync(_server);
        await Api.PostAsync(_server, lines.Where((_, i) => i % 2 == 1));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly string[] FilterQueries =
    [
        "level:error", "service:(svc1 OR auth)", "status:>=500", "risk:>70", "risk:<=10", "path:/api/*", "path:*/cart/*",
        "-decision:allow", "\"connection timeout\"", "TIMEOUT", "region:eu", "attributes.region:eu", "bytes:>1000",
        "level:>=warn AND NOT service:svc0", "kind:traffic country:(DE OR NL) -status:200",
        "_time:[2026-01-01T05:30:00Z, 2026-01-01T06:15:00Z)", "user_id:*", "(level:error OR status:>=500) region:*",
        "service:\"x' OR '1'='1\"", "x'y:1", "message:User*", "NOT region:*", "ad_click:true",
        "kind:*", "level:*", "score:>5", "-score:<=5",
    ];

    public static TheoryData<string> Filters() => new(FilterQueries);

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Search_with_a_query_returns_exactly_the_matching_events_from_memory_and_parts(string query)
    {
        var expected = Events.Where(Predicate(query)).Select(e => e.Id).Order().ToList();
        var found = await Api.SearchAllAsync(_server, "query=" + Uri.EscapeDataString(query), 400);
        Assert.Equal(expected, found.Select(Api.Id).Order().ToList());
    }

    [Fact]
    public async Task After_everything_is_sealed_every_filter_still_matches_the_same_events()
    {
        await Api.FlushAsync(_server);
        foreach (var query in FilterQueries)
        {
            var expected = Events.Where(Predicate(query)).Select(e => e.Id).Order().ToList();
            var found = await Api.SearchAllAsync(_server, "query=" + Uri.EscapeDataString(query), 1000);
            Assert.True(expected.SequenceEqual(found.Select(Api.Id).Order()), $"sealed: {query}");
        }
    }

    [Fact]
    public async Task Stats_by_a_field_equal_the_same_aggregates_computed_directly()
    {
        var body = await Custom(new { query = "kind:traffic | stats count() as n, avg(risk) as a, min(risk) as lo, max(risk) as hi, sum(risk) as s, count_distinct(ip_hash) as ips, quantile(0.5, risk) as med by (decision)" });
        Assert.Equal(["decision", "n", "a", "lo", "hi", "s", "ips", "med"], body.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        var rows = body.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("decision").GetString()!);
        var groups = Events.Where(e => e.Kind == "traffic").GroupBy(e => e.Decision!).ToList();
        Assert.Equal(groups.Count, rows.Count);
        foreach (var group in groups)
        {
            var row = rows[group.Key];
            var risks = group.Select(e => (double)e.Risk!.Value).Order().ToList();
            Assert.Equal(group.Count(), row.GetProperty("n").GetInt64());
            Assert.Equal(risks.Average(), row.GetProperty("a").GetDouble(), 9);
            Assert.Equal(risks[0], row.GetProperty("lo").GetDouble());
            Assert.Equal(risks[^1], row.GetProperty("hi").GetDouble());
            Assert.Equal(risks.Sum(), row.GetProperty("s").GetDouble());
            Assert.Equal(group.Select(e => e.Ip).Distinct().Count(), row.GetProperty("ips").GetInt64());
            Assert.Equal(Quantile(risks, 0.5), row.GetProperty("med").GetDouble(), 9);
        }
    }

    /// <summary>
    /// Counts by a summarised field come from the counts stored beside the parts (half the events here are sealed,
    /// half in memory; a range that cuts hours is counted by the engine at its edges), and equal a direct count.
    /// </summary>
    [Theory]
    [InlineData("kind:log | stats count() by level", "log", "level", null, null)]
    [InlineData("kind:traffic | stats count() as n by (decision)", "traffic", "decision", null, null)]
    [InlineData("| stats count() by service", null, "service", null, null)]
    [InlineData("_time:[2026-01-01T05:30:00Z, 2026-01-01T06:45:00Z) kind:log | stats count() by service", "log", "service", 1_767_245_400_000L, 1_767_249_900_000L)]
    [InlineData("_time:[2026-01-01T05:00:00Z, 2026-01-01T06:00:00Z) | stats count()", null, null, 1_767_243_600_000L, 1_767_247_200_000L)]
    public async Task Counts_by_a_summarised_field_come_from_stored_counts_and_equal_a_direct_count(string query, string? kind, string? field, long? from, long? to)
    {
        var body = await Custom(new { query });
        Assert.True(body.GetProperty("timings").GetProperty("stored_counts").GetBoolean());
        var events = Events.Where(e => (kind is null || e.Kind == kind) && e.Ts >= (from ?? long.MinValue) && e.Ts < (to ?? long.MaxValue)).ToList();
        var columns = body.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
        var counted = body.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => field is null ? "" : r.GetProperty(field).GetString() ?? "(none)", r => r.GetProperty(columns[^1]).GetInt64());
        string Key(Ev e) => field switch
        {
            null => "",
            "level" => e.Level,
            "service" => e.Service ?? "(none)",
            _ => e.Decision ?? "(none)",
        };
        var expected = events.GroupBy(Key).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(p => p.Key), counted.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task A_count_with_any_other_filter_runs_on_the_engine()
    {
        var both = await Custom(new { query = "kind:log kind:traffic | stats count()" });
        Assert.Equal(0, both.GetProperty("rows")[0].GetProperty("count").GetInt64()); // no event is of both kinds
        // (Without the NOT term, level:error alone is answered from the parts' stored details: StoredDetailCountsTests.)
        var body = await Custom(new { query = "kind:log level:error NOT service:none | stats count() by service" });
        Assert.False(body.GetProperty("timings").TryGetProperty("stored_counts", out _));
        var rows = body.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("service").GetString()!, r => r.GetProperty("count").GetInt64());
        Assert.Equal(Events.Where(e => e.Kind == "log" && e.Level == "error").GroupBy(e => e.Service!).ToDictionary(g => g.Key, g => (long)g.Count()).OrderBy(p => p.Key), rows.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Stats_by_time_bins_top_sort_limit_and_fields_equal_the_direct_computation()
    {
        var bins = await Custom(new { query = "kind:log | stats count() as n by (service, bin(30m))" });
        var expectedBins = Events.Where(e => e.Kind == "log").GroupBy(e => (e.Service, Bin: e.Ts - (e.Ts % HalfHour)))
            .OrderBy(g => g.Key.Service, StringComparer.Ordinal).ThenBy(g => g.Key.Bin)
            .Select(g => $"{g.Key.Service}|{Iso(g.Key.Bin)}|{g.Count()}");
        Assert.Equal(expectedBins, bins.GetProperty("rows").EnumerateArray().Select(r => $"{r.GetProperty("service").GetString()}|{r.GetProperty("_time").GetString()}|{r.GetProperty("n").GetInt64()}"));

        var top = await Custom(new { query = "kind:traffic | top 3 country" });
        var expectedTop = Events.Where(e => e.Kind == "traffic").GroupBy(e => e.Country!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(3)
            .Select(g => $"{g.Key}={g.Count()}");
        Assert.Equal(expectedTop, top.GetProperty("rows").EnumerateArray().Select(r => $"{r.GetProperty("country").GetString()}={r.GetProperty("count").GetInt64()}"));

        // Events without the sort field come last (traffic errors have no service).
        var sorted = await Custom(new { query = "level:error | sort by service, timestamp desc | limit 7 | fields service, message" });
        var expectedSorted = Events.Where(e => e.Level == "error").OrderBy(e => e.Service is null).ThenBy(e => e.Service, StringComparer.Ordinal).ThenByDescending(e => e.Ts).Take(7).Select(e => $"{e.Service}|{e.Message}");
        Assert.Equal(["service", "message"], sorted.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(expectedSorted, sorted.GetProperty("rows").EnumerateArray().Select(r => $"{r.GetProperty("service").GetString()}|{r.GetProperty("message").GetString()}"));

        var bytes = await Custom(new { query = "bytes:* | stats sum(bytes) as s, avg(bytes) as a, count() as n" });
        var withBytes = Events.Where(e => e.Bytes is not null).ToList();
        var totals = bytes.GetProperty("rows")[0];
        Assert.Equal(withBytes.Sum(e => (double)e.Bytes!.Value), totals.GetProperty("s").GetDouble());
        Assert.Equal(withBytes.Average(e => (double)e.Bytes!.Value), totals.GetProperty("a").GetDouble(), 9);
        Assert.Equal(withBytes.Count, totals.GetProperty("n").GetInt64());

        var events = await Custom(new { query = "level:fatal region:ap" });
        Assert.Equal(Events.Where(e => e.Level == "fatal" && e.Region == "ap").OrderByDescending(e => e.Ts).Select(e => e.Id),
            events.GetProperty("events").EnumerateArray().Select(Api.Id));
    }

    [Fact]
    public async Task Custom_sql_reads_the_logs_and_traffic_views()
    {
        var body = await Custom(new { sql = "SELECT country, count(*) AS n FROM traffic WHERE status >= 500 GROUP BY country ORDER BY n DESC, country LIMIT 5;" });
        var expected = Events.Where(e => e.Kind == "traffic" && e.Status >= 500).GroupBy(e => e.Country!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(5).Select(g => $"{g.Key}={g.Count()}");
        Assert.Equal(expected, body.GetProperty("rows").EnumerateArray().Select(r => $"{r.GetProperty("country").GetString()}={r.GetProperty("n").GetInt64()}"));

        var logs = await Custom(new { sql = "SELECT count(*) AS n, min(time) AS first FROM logs WHERE json_extract_string(attributes, '$.region') = 'eu'" });
        var eu = Events.Where(e => e.Kind == "log" && e.Region == "eu").ToList();
        Assert.Equal(eu.Count, logs.GetProperty("rows")[0].GetProperty("n").GetInt64());
        Assert.Equal(Iso(eu.Min(e => e.Ts)), logs.GetProperty("rows")[0].GetProperty("first").GetString());
    }

    [Fact]
    public async Task Aggregate_fills_empty_buckets_with_zero()
    {
        var body = await _server.GetJsonAsync("/api/logs/aggregate?group_by=level&time_bucket=30m&start_time=2026-01-01T05:00:00Z&end_time=2026-01-01T08:00:00Z&query=kind:log");
        var buckets = body.GetProperty("buckets").EnumerateArray().ToList();
        var levels = Events.Where(e => e.Kind == "log").Select(e => e.Level).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(levels.Count * 6, buckets.Count);
        foreach (var bucket in buckets)
        {
            var level = bucket.GetProperty("level").GetString();
            var from = DateTimeOffset.Parse(bucket.GetProperty("time").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            var expected = Events.Count(e => e.Kind == "log" && e.Level == level && e.Ts >= from && e.Ts < from + HalfHour);
            Assert.Equal(expected, bucket.GetProperty("count").GetInt64());
        }

        // The data ends at 07:00; the last hour's buckets exist, at zero.
        Assert.Contains(buckets, b => b.GetProperty("time").GetString() == "2026-01-01T07:30:00.000Z" && b.GetProperty("count").GetInt64() == 0);

        var plain = await _server.GetJsonAsync("/api/logs/aggregate?group_by=service,level&start_time=2026-01-01T00:00:00Z&end_time=2026-01-02T00:00:00Z");
        Assert.Equal(Events.GroupBy(e => (e.Service, e.Level)).Count(), plain.GetProperty("buckets").GetArrayLength());
    }

    [Fact]
    public async Task Aggregate_counts_only_the_range_asked_for_in_memory_and_in_parts_alike()
    {
        var body = await _server.GetJsonAsync("/api/logs/aggregate?group_by=kind&time_bucket=30m&start_time=2026-01-01T05:40:00Z&end_time=2026-01-01T06:20:00Z");
        var from = Start + (40 * 60_000);
        var to = Start + (80 * 60_000);
        var buckets = body.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(4, buckets.Count); // 05:30 and 06:00, for each kind
        foreach (var bucket in buckets)
        {
            var kind = bucket.GetProperty("kind").GetString();
            var start = DateTimeOffset.Parse(bucket.GetProperty("time").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            var expected = Events.Count(e => e.Kind == kind && e.Ts >= Math.Max(start, from) && e.Ts < Math.Min(start + HalfHour, to));
            Assert.Equal(expected, bucket.GetProperty("count").GetInt64());
        }

        // A range that depends on the clock is never cached.
        using var relative = await _server.Http.GetAsync("/api/logs/aggregate?query=_time:1h&start_time=2026-01-01T05:00:00Z&end_time=2026-01-01T06:00:00Z");
        Assert.False(relative.Headers.Contains("X-Sluice-Cache"));
    }

    [Fact]
    public async Task Formulas_compute_values_and_series_from_filtered_aggregations()
    {
        var traffic = Events.Where(e => e.Kind == "traffic").ToList();
        var block = await Formula(new { formula = "count(decision:block) / count(kind:traffic) * 100", start_time = "2026-01-01T00:00:00Z", end_time = "2026-01-02T00:00:00Z" });
        Assert.Equal(traffic.Count(e => e.Decision == "block") * 100.0 / traffic.Count, block.GetProperty("value").GetDouble(), 9);

        var kib = await Formula(new { formula = "sum(bytes) / 1024", start_time = "2026-01-01T00:00:00Z", end_time = "2026-01-02T00:00:00Z" });
        Assert.Equal(Events.Sum(e => e.Bytes ?? 0) / 1024.0, kib.GetProperty("value").GetDouble(), 9);

        // A filter on a field aggregation (the engine takes FILTER only right after the aggregate, inside its CAST).
        var blockedRisk = await Formula(new { formula = "sum(risk, decision:block) + max(risk, decision:block)", start_time = "2026-01-01T00:00:00Z", end_time = "2026-01-02T00:00:00Z" });
        var blocked = traffic.Where(e => e.Decision == "block").ToList();
        Assert.Equal(blocked.Sum(e => e.Risk ?? 0) + blocked.Max(e => e.Risk ?? 0), blockedRisk.GetProperty("value").GetDouble(), 9);

        var none = await Formula(new { formula = "count(service:nope) / count(service:nope)", start_time = "2026-01-01T00:00:00Z", end_time = "2026-01-02T00:00:00Z" });
        Assert.Equal(JsonValueKind.Null, none.GetProperty("value").ValueKind);

        // A range that starts inside a bucket: the first bucket's rate divides by the 45 minutes it covers.
        var edge = await Formula(new { formula = "rate(level:error, 30m)", start_time = "2026-01-01T05:15:00Z", end_time = "2026-01-01T06:00:00Z", bucket = "1h" });
        var first = edge.GetProperty("series")[0];
        Assert.Equal("2026-01-01T05:00:00.000Z", first.GetProperty("time").GetString());
        Assert.Equal(Events.Count(e => e.Level == "error" && e.Ts >= Start + (15 * 60_000) && e.Ts < Start + (60 * 60_000)) / 1.5, first.GetProperty("value").GetDouble(), 9);

        var rate = await Formula(new { formula = "rate(level:error, 30m)", start_time = "2026-01-01T05:00:00Z", end_time = "2026-01-01T08:00:00Z", bucket = "1h" });
        var series = rate.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(3, series.Count);
        for (var i = 0; i < 3; i++)
        {
            var from = Start + (i * 2 * HalfHour);
            var errors = Events.Count(e => e.Level == "error" && e.Ts >= from && e.Ts < from + (2 * HalfHour));
            Assert.Equal(Iso(from), series[i].GetProperty("time").GetString());
            Assert.Equal(errors / 2.0, series[i].GetProperty("value").GetDouble(), 9);
        }
    }

    [Fact]
    public async Task Traffic_listing_pages_through_filtered_traffic_events_with_cursors()
    {
        var expected = Events.Where(e => e.Kind == "traffic" && e.Decision == "block" && e.Country == "DE" && e.Path!.StartsWith("/api/", StringComparison.Ordinal))
            .OrderByDescending(e => e.Ts).Select(e => e.Id).ToList();
        var found = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _server.GetJsonAsync($"/api/traffic-logs/v2?decision=block&country=DE&path=/api/*&limit=7{(cursor is null ? "" : "&cursor=" + cursor)}");
            found.AddRange(page.GetProperty("events").EnumerateArray().Select(Api.Id));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        Assert.True(expected.Count > 7);
        Assert.Equal(expected, found);

        var queried = await _server.GetJsonAsync("/api/traffic-logs/v2?query=" + Uri.EscapeDataString("risk:>90") + "&limit=1000");
        Assert.Equal(Events.Count(e => e.Kind == "traffic" && e.Risk > 90), queried.GetProperty("events").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/logs/search?query=level:loud", "invalid_query", "query")]
    [InlineData("/api/logs/search?query=x%20%7C%20stats%20count()", "invalid_query", "query")]
    [InlineData("/api/logs/aggregate?time_bucket=soon", "invalid_parameter", "time_bucket")]
    [InlineData("/api/logs/aggregate?time_bucket=1ms", "invalid_parameter", "time_bucket")]
    [InlineData("/api/logs/aggregate?group_by=a%20b", "invalid_parameter", "group_by")]
    [InlineData("/api/logs/aggregate?group_by=level%22)%20FROM%20events;%20DROP%20VIEW%20events;--", "invalid_parameter", "group_by")]
    [InlineData("/api/logs/search?query=x%20%7C%20sort%20by%20%22a%22%22", "invalid_query", "query")]
    [InlineData("/api/logs/aggregate?query=(a", "invalid_query", "query")]
    public async Task Bad_queries_answer_400_with_a_code_and_the_field(string url, string code, string field)
    {
        using var response = await _server.Http.GetAsync(url);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(field, body.GetProperty("field").GetString());
        if (code == "invalid_query")
        {
            Assert.True(body.GetProperty("position").GetInt32() >= 1);
            Assert.StartsWith($"at character {body.GetProperty("position").GetInt32()}: ", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("COPY (SELECT * FROM logs) TO '/tmp/leak.csv'", 1)]
    [InlineData("SELECT 1 FROM logs; ATTACH '/tmp/x.db' AS x", 1)]
    [InlineData("PRAGMA database_list", 1)]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", 15)]
    [InlineData("SELECT * FROM read_parquet('partitions/*/*/*/*.parquet')", 15)]
    [InlineData("SELECT content FROM read_text('/etc/hostname')", 21)]
    [InlineData("SELECT * FROM 'https://example.com/x.csv'", 15)]
    [InlineData("SELECT getenv('HOME')", 8)]
    [InlineData("SELECT * FROM duckdb_settings()", 15)]
    [InlineData("INSTALL httpfs", 1)]
    public async Task Custom_sql_that_writes_or_reaches_outside_the_views_is_refused(string sql, int position)
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql }));
        Assert.Equal(400, status);
        Assert.Equal("forbidden_sql", body.GetProperty("code").GetString());
        Assert.Equal(position, body.GetProperty("position").GetInt32());
        Assert.False(File.Exists("/tmp/leak.csv"));
    }

    [Fact]
    public async Task Engine_errors_and_bad_bodies_are_400_not_500()
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql = "SELECT no_such_column FROM logs" }));
        Assert.Equal((400, "invalid_sql"), (status, body.GetProperty("code").GetString()));
        Assert.Contains("no_such_column", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = "x", sql = "SELECT 1" }));
        Assert.Equal((400, "missing_field"), (status, body.GetProperty("code").GetString()));

        (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", "{not json");
        Assert.Equal((400, "malformed_json"), (status, body.GetProperty("code").GetString()));

        (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = "level:error | stats avg(risk) by (service) | sort by nope" }));
        Assert.Equal((400, "invalid_query"), (status, body.GetProperty("code").GetString()));
        Assert.Contains("no column 'nope'", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body, _) = await _server.PostAsync("/api/v1/formulas/execute", JsonSerializer.Serialize(new { formula = "count() / cnt(level:error)" }));
        Assert.Equal((400, "invalid_formula", 11), (status, body.GetProperty("code").GetString(), body.GetProperty("position").GetInt32()));
    }

    [Fact]
    public async Task Formula_validation_reports_the_position_and_the_catalog_lists_functions_and_examples()
    {
        var (status, body, _) = await _server.PostAsync("/api/v1/formulas/validate", JsonSerializer.Serialize(new { formula = "count(decision:block) / count() * 100" }));
        Assert.Equal(200, status);
        Assert.True(body.GetProperty("valid").GetBoolean());
        Assert.Equal("decision:\"block\"", body.GetProperty("aggregations")[0].GetProperty("filter").GetString());

        (status, body, _) = await _server.PostAsync("/api/v1/formulas/validate", JsonSerializer.Serialize(new { formula = "count(level:loud)" }));
        Assert.False(body.GetProperty("valid").GetBoolean());
        Assert.Equal(13, body.GetProperty("position").GetInt32());

        var functions = await _server.GetJsonAsync("/api/v1/formulas/functions");
        Assert.Contains(functions.GetProperty("functions").EnumerateArray(), f => f.GetProperty("name").GetString() == "rate");
        var examples = await _server.GetJsonAsync("/api/v1/formulas/examples");
        foreach (var example in examples.GetProperty("examples").EnumerateArray())
        {
            (status, body, _) = await _server.PostAsync("/api/v1/formulas/validate", JsonSerializer.Serialize(new { formula = example.GetProperty("formula").GetString() }));
            Assert.True(body.GetProperty("valid").GetBoolean(), example.GetProperty("formula").GetString());
        }
    }

    [Fact]
    public async Task Answers_over_sealed_ranges_come_from_the_cache_and_count_as_hits()
    {
        await Api.FlushAsync(_server);
        const string url = "/api/logs/aggregate?group_by=service&time_bucket=1h&start_time=2026-01-01T05:00:00Z&end_time=2026-01-01T07:00:00Z";
        using var miss = await _server.Http.GetAsync(url);
        var first = await miss.Content.ReadAsStringAsync();
        var hitsBefore = await Metric("sluice_query_cache_hits_total");
        using var hit = await _server.Http.GetAsync(url);
        Assert.Equal(first, await hit.Content.ReadAsStringAsync());
        Assert.Equal(["miss", "hit"], new[] { miss, hit }.Select(r => r.Headers.GetValues("X-Sluice-Cache").Single()));
        Assert.Equal(hitsBefore + 1, await Metric("sluice_query_cache_hits_total"));
        Assert.True(await Metric("sluice_query_cache_hit_ratio") > 0);
    }

    private async Task<double> Metric(string name)
    {
        var text = await _server.Http.GetStringAsync("/metrics");
        var line = text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> Custom(object request)
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(request));
        Assert.True(status == 200, $"custom answered {status}: {body}");
        Assert.False(body.GetProperty("truncated").GetBoolean());
        return body;
    }

    private async Task<JsonElement> Formula(object request)
    {
        var (status, body, _) = await _server.PostAsync("/api/v1/formulas/execute", JsonSerializer.Serialize(request));
        Assert.True(status == 200, $"formula answered {status}: {body}");
        return body;
    }

    /// <summary>The meaning of each test filter, written out by hand.</summary>
    private static Func<Ev, bool> Predicate(string query) => query switch
    {
        "level:error" => e => e.Level == "error",
        "service:(svc1 OR auth)" => e => e.Service is "svc1" or "auth",
        "status:>=500" => e => e.Status >= 500,
        "risk:>70" => e => e.Risk > 70,
        "risk:<=10" => e => e.Risk <= 10,
        "path:/api/*" => e => e.Path?.StartsWith("/api/", StringComparison.Ordinal) == true,
        "path:*/cart/*" => e => e.Path?.Contains("/cart/", StringComparison.Ordinal) == true,
        "-decision:allow" => e => e.Decision != "allow",
        "\"connection timeout\"" => e => e.Message.Contains("connection timeout", StringComparison.OrdinalIgnoreCase),
        "TIMEOUT" => e => e.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase),
        "region:eu" or "attributes.region:eu" => e => e.Region == "eu",
        "bytes:>1000" => e => e.Bytes > 1000,
        "level:>=warn AND NOT service:svc0" => e => e.Level is "warn" or "error" or "fatal" && e.Service != "svc0",
        "kind:traffic country:(DE OR NL) -status:200" => e => e.Kind == "traffic" && e.Country is "DE" or "NL" && e.Status != 200,
        "_time:[2026-01-01T05:30:00Z, 2026-01-01T06:15:00Z)" => e => e.Ts >= Start + HalfHour && e.Ts < Start + (2 * HalfHour) + (HalfHour / 2),
        "user_id:*" => e => e.UserId is not null,
        "(level:error OR status:>=500) region:*" => e => (e.Level == "error" || e.Status >= 500) && e.Region is not null,
        "service:\"x' OR '1'='1\"" => _ => false,
        "x'y:1" => e => e.Message.Contains("x'y:1", StringComparison.OrdinalIgnoreCase),
        "message:User*" => e => e.Message.StartsWith("User", StringComparison.Ordinal),
        "NOT region:*" => e => e.Region is null,
        "ad_click:true" => e => e.Kind == "traffic" && e.Risk % 7 == 0,
        "kind:*" or "level:*" => _ => true,
        "score:>5" => e => ScoreNumber(e) > 5,
        "-score:<=5" => e => !(ScoreNumber(e) <= 5),
        _ => throw new ArgumentOutOfRangeException(nameof(query), query, "no expected meaning written for this filter"),
    };

    /// <summary>Attribute text as a number the way the language reads it: finite numbers only.</summary>
    private static double? ScoreNumber(Ev e) =>
        double.TryParse(e.Score, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;

    private static double Quantile(List<double> sorted, double q)
    {
        var position = (sorted.Count - 1) * q;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static List<Ev> Generate()
    {
        var random = new Random(11);
        string[] levels = ["debug", "info", "info", "info", "warn", "error", "fatal"];
        string?[] scores = [null, null, "NaN", "inf", "-Infinity", "7", "12.5", "3", " 8 ", "x", "5"];
        string[] services = ["svc0", "svc1", "svc2", "auth", "billing"];
        string[] messages = ["Database connection timeout after {0} ms", "User {0} logged in", "Payment failed: card declined ({0})", "cache miss for key k{0}", "Upstream Timeout on shard {0}"];
        string[] regions = ["eu", "us", "ap"];
        string[] decisions = ["allow", "allow", "allow", "block", "challenge"];
        string[] countries = ["DE", "NL", "US", "FR", "GB", "JP", "BR"];
        string[] paths = ["/api/v1/cart/1", "/api/v1/users", "/static/app.js", "/login", "/api/v2/cart/9/items"];
        int[] statuses = [200, 200, 200, 404, 500, 503];
        var events = new List<Ev>();
        for (var i = 0; i < 3000; i++)
        {
            var ts = Start + random.NextInt64(2 * 3_600_000);
            var region = random.Next(4) == 0 ? null : regions[random.Next(regions.Length)];
            long? bytes = random.Next(3) == 0 ? random.Next(0, 5000) : null;
            if (random.Next(3) == 0)
            {
                var status = statuses[random.Next(statuses.Length)];
                events.Add(new Ev($"q{i:D5}", ts, "traffic", status >= 500 ? "error" : "info", null, $"GET request {i}", region, bytes, null,
                    $"d{random.Next(5)}.example", paths[random.Next(paths.Length)], status, decisions[random.Next(decisions.Length)],
                    countries[random.Next(countries.Length)], random.Next(101), $"10.0.{random.Next(8)}.{random.Next(40)}"));
            }
            else
            {
                events.Add(new Ev($"q{i:D5}", ts, "log", levels[random.Next(levels.Length)], services[random.Next(services.Length)],
                    string.Format(CultureInfo.InvariantCulture, messages[random.Next(messages.Length)], random.Next(1000)), region, bytes,
                    random.Next(2) == 0 ? $"u{random.Next(50)}" : null, null, null, null, null, null, null, null));
            }
        }

        return [.. events.Select(e => e with { Score = scores[random.Next(scores.Length)] })];
    }

    private static string ToJson(Ev e)
    {
        var fields = new Dictionary<string, object?>
        {
            ["id"] = e.Id, ["timestamp"] = e.Ts, ["kind"] = e.Kind, ["level"] = e.Level, ["message"] = e.Message, ["service"] = e.Service,
            ["user_id"] = e.UserId, ["domain"] = e.Domain, ["path"] = e.Path, ["status"] = e.Status, ["decision"] = e.Decision,
            ["country"] = e.Country, ["risk"] = e.Risk, ["ip"] = e.Ip, ["ad_click"] = e.Kind == "traffic" ? e.Risk % 7 == 0 : null,
        };
        var attributes = new Dictionary<string, object?>();
        if (e.Region is not null)
        {
            attributes["region"] = e.Region;
        }

        if (e.Bytes is not null)
        {
            attributes["bytes"] = e.Bytes;
        }

        if (e.Score is not null)
        {
            attributes["score"] = e.Score;
        }

        if (attributes.Count > 0)
        {
            fields["attributes"] = attributes;
        }

        return JsonSerializer.Serialize(fields.Where(f => f.Value is not null).ToDictionary());
    }
}
