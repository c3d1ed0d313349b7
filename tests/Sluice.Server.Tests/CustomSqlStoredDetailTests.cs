using System.Globalization;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>
/// Custom SQL counting events per time bin (<c>SELECT timestamp - timestamp % D AS b[, F], count(*) … GROUP BY …</c>,
/// SqlBinShape) or a field within one level or decision (<c>SELECT F, count(*) … WHERE … P = 'X' GROUP BY F [ORDER BY
/// count DESC [LIMIT n]]</c>, SqlWithinShape) is answered from the parts' stored details and gives the engine's table:
/// its columns, and its rows as a set (without ORDER BY the engine's order is arbitrary too; with ORDER BY … LIMIT n
/// the counts in order, and the rows above the n-th count, since the engine breaks ties arbitrarily). Random events span
/// four hours: a third sealed, a third sealed later (a second part per hour), a third in memory; random statements of
/// the shape over whole, cut and open ranges are compared with the same statement plus <c>HAVING count(*) &gt; 0</c>,
/// which changes no row but is no shape the details answer, so the engine scans. Statements that differ slightly run
/// on the engine.
/// </summary>
public sealed class CustomSqlStoredDetailTests(FourHourEventsServer data) : IClassFixture<FourHourEventsServer>
{
    private const long Start = FourHourEvents.Start;
    private const long Hour = FourHourEvents.Hour;
    private readonly TestServer _server = data.Server;

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task A_random_bin_statement_from_the_details_equals_the_engines(int seed)
    {
        var sql = RandomStatement(new Random(seed));
        var stored = await Sql(sql);
        Assert.True(stored.GetProperty("timings").TryGetProperty("stored_counts", out _), $"not from the stored details: {sql}");
        var engine = await Sql(sql + " HAVING count(*) > 0");
        Assert.False(engine.GetProperty("timings").TryGetProperty("stored_counts", out _));

        Assert.Equal(engine.GetProperty("columns").ToString(), stored.GetProperty("columns").ToString());
        var expected = Rows(engine);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Rows(stored));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task A_random_within_statement_from_the_details_equals_the_engines(int seed)
    {
        var (template, limit) = RandomWithin(new Random(seed));
        var sql = string.Format(CultureInfo.InvariantCulture, template, "");
        var stored = await Sql(sql);
        Assert.True(stored.GetProperty("timings").TryGetProperty("stored_counts", out _), $"not from the stored details: {sql}");
        var engine = await Sql(string.Format(CultureInfo.InvariantCulture, template, " HAVING count(*) > 0"));
        Assert.False(engine.GetProperty("timings").TryGetProperty("stored_counts", out _));
        Assert.Equal(engine.GetProperty("columns").ToString(), stored.GetProperty("columns").ToString());

        var countName = stored.GetProperty("columns")[1].GetString()!;
        var engineRows = engine.GetProperty("rows").EnumerateArray().ToList();
        var storedRows = stored.GetProperty("rows").EnumerateArray().ToList();
        Assert.NotEmpty(engineRows);
        var storedCounts = storedRows.Select(r => r.GetProperty(countName).GetInt64()).ToList();
        Assert.Equal(storedCounts.OrderDescending(), storedCounts); // most first, always
        if (limit is null)
        {
            Assert.Equal(Rows(engine), Rows(stored));
            return;
        }

        // Ties are ordered arbitrarily by the engine: the counts in order, and the rows strictly above the last count.
        Assert.Equal(engineRows.Select(r => r.GetProperty(countName).GetInt64()), storedCounts);
        var last = storedCounts[^1];
        List<string> Above(List<JsonElement> rows) => [.. rows.Where(r => r.GetProperty(countName).GetInt64() > last).Select(r => r.ToString()).Order(StringComparer.Ordinal)];
        Assert.Equal(Above(engineRows), Above(storedRows));
    }

    [Fact]
    public async Task The_issue_b_statement_keeps_events_without_the_field_and_breaks_ties_by_value()
    {
        var sql = $"SELECT country, count(*) AS c FROM traffic WHERE timestamp >= {Start + 1_234_567} AND timestamp < {Start + (3 * Hour)} AND decision = 'block' GROUP BY country ORDER BY c DESC LIMIT 10";
        var stored = await Sql(sql);
        Assert.True(stored.GetProperty("timings").GetProperty("stored_counts").GetBoolean());
        Assert.Equal("""["country","c"]""", stored.GetProperty("columns").ToString());
        Assert.Equal(Rows(await Sql(sql.Replace(" ORDER BY", " HAVING count(*) > 0 ORDER BY", StringComparison.Ordinal))), Rows(stored));

        var service = await Sql("SELECT service, count(*) FROM events WHERE decision = 'block' GROUP BY service");
        Assert.Contains(service.GetProperty("rows").EnumerateArray(), r => r.GetProperty("service").ValueKind == JsonValueKind.Null);
        var ties = (await Sql("SELECT service, count(*) AS c FROM events WHERE decision = 'block' GROUP BY service ORDER BY c DESC"))
            .GetProperty("rows").EnumerateArray().Select(r => (Count: r.GetProperty("c").GetInt64(), Value: r.GetProperty("service").GetString())).ToList();
        Assert.Equal([.. ties.OrderByDescending(t => t.Count).ThenBy(t => t.Value is null).ThenBy(t => t.Value, StringComparer.Ordinal)], ties);
    }

    [Fact]
    public async Task The_issue_statement_comes_from_the_details_with_the_engines_names_and_numbers()
    {
        var sql = $"SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events WHERE timestamp >= {Start + 1_234_567} AND timestamp < {Start + (3 * Hour) + 777} GROUP BY b, service";
        var stored = await Sql(sql);
        Assert.True(stored.GetProperty("timings").GetProperty("stored_counts").GetBoolean());
        Assert.Equal("""["b","service","count_star()"]""", stored.GetProperty("columns").ToString());
        var rows = stored.GetProperty("rows").EnumerateArray().ToList();
        Assert.True(rows.Count > 30);
        Assert.All(rows, r =>
        {
            Assert.Equal(JsonValueKind.Number, r.GetProperty("b").ValueKind);
            Assert.Equal(0, r.GetProperty("b").GetInt64() % 300_000);
            Assert.Equal(JsonValueKind.Number, r.GetProperty("count_star()").ValueKind);
        });
        Assert.Contains(rows, r => r.GetProperty("service").ValueKind == JsonValueKind.Null);
        Assert.Equal(Rows(await Sql(sql + " HAVING count(*) > 0")), Rows(stored));
    }

    /// <summary>Statements one step away from the shape: each runs on the engine (and still answers).</summary>
    [Theory]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events WHERE timestamp >= {0} AND timestamp < {1} AND level = 'info' GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events WHERE timestamp >= {0} GROUP BY b, service HAVING count(*) > 1")]
    [InlineData("SELECT DISTINCT timestamp - timestamp % 300000 AS b, service, count(*) FROM events GROUP BY b, service")]
    [InlineData("SELECT timestamp % 300000 - timestamp AS b, service, count(*) FROM events GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 90000 AS b, service, count(*) FROM events GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 300001 AS b, count(*) FROM events GROUP BY b")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, country, count(*) FROM traffic GROUP BY b, country")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events GROUP BY b, service ORDER BY b")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events GROUP BY b, service LIMIT 5")]
    [InlineData("SELECT timestamp - timestamp % 300000, service, count(*) FROM events GROUP BY 1, 2")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(service) FROM events GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events GROUP BY b, service, level")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events GROUP BY ROLLUP (b, service)")]
    [InlineData("SELECT timestamp - seq % 300000 AS b, count(*) FROM events GROUP BY b")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, count(*) FROM events GROUP BY ALL")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FILTER (WHERE level = 'info') FROM events GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events WHERE timestamp >= {0} OR level = 'info' GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM (SELECT * FROM events) GROUP BY b, service")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' AND level = 'info' GROUP BY country")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' OR timestamp >= {0} GROUP BY country")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision <> 'block' GROUP BY country")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country HAVING count(*) > 1")]
    [InlineData("SELECT DISTINCT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country ORDER BY c")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country ORDER BY country DESC")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country LIMIT 3")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country ORDER BY c DESC LIMIT 3 OFFSET 1")]
    [InlineData("SELECT country, count(*) AS c FROM traffic WHERE country = 'DE' GROUP BY country")]
    [InlineData("SELECT message, count(*) AS c FROM events WHERE level = 'error' GROUP BY message")]
    [InlineData("SELECT service, count(*) AS c FROM events WHERE lower(level) = 'error' GROUP BY service")]
    [InlineData("SELECT service, count(DISTINCT level) AS c FROM events WHERE level = 'error' GROUP BY service")]
    public async Task A_statement_that_differs_slightly_runs_on_the_engine(string template)
    {
        var sql = string.Format(CultureInfo.InvariantCulture, template, Start + 1_234_567, Start + (3 * Hour));
        var answer = await Sql(sql);
        Assert.False(answer.GetProperty("timings").TryGetProperty("stored_counts", out _), sql);
        Assert.True(answer.GetProperty("rows").GetArrayLength() > 0);
    }

    /// <summary>
    /// Statements that look like the shape but that the engine refuses: a GROUP BY name reads the view's column before
    /// a select alias, and a position may not name the count. They must be refused as the engine refuses them.
    /// </summary>
    [Theory]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, level AS service, count(*) FROM events GROUP BY b, service")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS level, service, count(*) FROM events GROUP BY level, service")]
    [InlineData("SELECT timestamp - timestamp % 300000 AS b, service, count(*) FROM events GROUP BY 1, 3")]
    public async Task A_statement_the_engine_refuses_is_refused(string sql)
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql }));
        Assert.Equal(400, status);
        Assert.Equal("invalid_sql", body.GetProperty("code").GetString());
    }

    /// <summary>More cells than Query:MaxRows: the details stop counting at the bound and the engine answers, cut as it cuts.</summary>
    [Fact]
    public async Task More_bins_than_the_row_bound_go_to_the_engine()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 50 } });
        await Api.PostAsync(server, FourHourEvents.Generate(new Random(11), 1500, Start, 2 * Hour));
        await Api.FlushAsync(server);
        var many = await Sql("SELECT timestamp - timestamp % 60000 AS b, service, count(*) FROM events GROUP BY b, service", server);
        Assert.False(many.GetProperty("timings").TryGetProperty("stored_counts", out _));
        Assert.True(many.GetProperty("truncated").GetBoolean());
        Assert.Equal(50, many.GetProperty("rows").GetArrayLength());
        var few = await Sql("SELECT timestamp - timestamp % 3600000 AS b, count(*) FROM events GROUP BY b", server);
        Assert.True(few.GetProperty("timings").TryGetProperty("stored_counts", out _));
    }

    /// <summary>The details count a sampled event by its weight; <c>count(*)</c> counts rows, so with sampled events the engine answers (both shapes).</summary>
    [Fact]
    public async Task With_sampled_events_count_star_counts_rows_on_the_engine()
    {
        await using var server = await SampledTraffic.StartAsync();
        var rows = await Sql("SELECT count(*) AS n, sum(sample_weight) AS w FROM traffic", server);
        var (n, w) = (rows.GetProperty("rows")[0].GetProperty("n").GetInt64(), rows.GetProperty("rows")[0].GetProperty("w").GetInt64());
        Assert.True(w > n, $"no sampled events: {n} rows weigh {w}");

        var binned = await Sql("SELECT timestamp - timestamp % 60000 AS b, decision, count(*) AS c FROM traffic GROUP BY b, decision", server);
        Assert.False(binned.GetProperty("timings").TryGetProperty("stored_counts", out _));
        Assert.Equal(n, binned.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("c").GetInt64()));

        var blocks = (await Sql("SELECT count(*) AS n FROM traffic WHERE decision = 'block'", server)).GetProperty("rows")[0].GetProperty("n").GetInt64();
        var within = await Sql("SELECT country, count(*) AS c FROM traffic WHERE decision = 'block' GROUP BY country", server);
        Assert.False(within.GetProperty("timings").TryGetProperty("stored_counts", out _));
        Assert.Equal(blocks, within.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("c").GetInt64()));
    }

    /// <summary>A within statement drawn at random, with <c>{0}</c> where a HAVING goes; and its LIMIT if any.</summary>
    private static (string Template, int? Limit) RandomWithin(Random random)
    {
        var view = Pick(random, "events", "logs", "traffic");
        var table = random.Next(3) == 0 ? "t" : null;
        var q = table is null ? "" : table + ".";
        var (primary, value) = random.Next(2) == 0 ? ("level", Pick(random, "info", "error", "warn")) : ("decision", Pick(random, "block", "allow", "challenge"));
        if (primary == "decision" && view == "logs")
        {
            view = "traffic";
        }

        var field = Pick(random, "level", "decision", "country", "service", "domain", "reason", "system", "category");
        if (field == primary)
        {
            field = "service";
        }

        var fieldAlias = random.Next(3) == 0 ? "f" : null;
        var countAlias = random.Next(2) == 0 ? "c" : null;
        var group = random.Next(3) switch { 0 => "1", 1 when fieldAlias is not null => fieldAlias, _ => q + field };
        long from = Start + random.NextInt64(2 * Hour), to = from + random.NextInt64(Hour / 2, 2 * Hour);
        var terms = new List<string> { random.Next(2) == 0 ? $"{q}{primary} = '{value}'" : $"'{value}' = {q}{primary}" };
        switch (random.Next(4))
        {
            case 0:
                break;
            case 1:
                terms.Add($"{q}timestamp BETWEEN {from} AND {to}");
                break;
            default:
                terms.Add($"{q}timestamp >= {from}");
                terms.Add($"{to} > {q}timestamp");
                break;
        }

        terms = [.. terms.OrderBy(_ => random.Next())];
        int? limit = null;
        var order = "";
        if (random.Next(3) > 0)
        {
            order = " ORDER BY " + Pick(random, "2", "count(*)", countAlias ?? "COUNT(*)") + " DESC";
            if (random.Next(2) == 0)
            {
                limit = random.Next(1, 6);
                order += $" LIMIT {limit}";
            }
        }

        var sql = $"SELECT {q}{field}{(fieldAlias is null ? "" : " AS " + fieldAlias)}, count(*){(countAlias is null ? "" : " AS " + countAlias)} "
            + $"FROM {view}{(table is null ? "" : " " + table)} WHERE {string.Join(" AND ", terms)} GROUP BY {group}{{0}}{order}";
        return (sql, limit);
    }

    /// <summary>A statement of the shape, drawn at random: view, alias, bin, field, ranges, select order, names and GROUP BY forms.</summary>
    private static string RandomStatement(Random random)
    {
        var view = Pick(random, "events", "logs", "traffic");
        var table = random.Next(3) == 0 ? "t" : null;
        var q = table is null ? "" : table + ".";
        var binMs = 60_000L * Pick(random, 1, 2, 5, 10, 15, 60, 90);
        var field = Pick<string?>(random, null, "level", "service", "decision");
        var ts = $"{q}timestamp";
        var binExpr = $"{ts} - {q}timestamp % {binMs}";
        var binAlias = Pick(random, "b", "bucket", "Minute");
        var fieldAlias = random.Next(3) == 0 ? "f" : null;
        var countAlias = random.Next(2) == 0 ? "n" : null;

        var items = new List<(string Sql, string Key)> { ($"{binExpr} AS {binAlias}", "bin"), ($"count(*){(countAlias is null ? "" : " AS " + countAlias)}", "count") };
        if (field is not null)
        {
            items.Add(($"{q}{field}{(fieldAlias is null ? "" : " AS " + fieldAlias)}", "field"));
        }

        items = [.. items.OrderBy(_ => random.Next())];
        var groups = items.Select((item, i) => (item.Key, Position: i + 1)).Where(k => k.Key != "count").OrderBy(_ => random.Next()).Select(k => random.Next(3) switch
        {
            0 => k.Position.ToString(CultureInfo.InvariantCulture),
            1 => k.Key == "bin" ? binAlias : fieldAlias ?? $"{q}{field}",
            _ => k.Key == "bin" ? $"{binExpr}" : $"{q}{field}",
        });

        long from = Start + random.NextInt64(2 * Hour), to = from + random.NextInt64(Hour / 10, 2 * Hour);
        var range = random.Next(6) switch
        {
            0 => "",
            1 => $" WHERE {ts} >= {Start + Hour} AND {ts} < {Start + (3 * Hour)}",
            2 => $" WHERE {ts} BETWEEN {from} AND {to}",
            3 => $" WHERE {to} > {ts} AND ({ts} > {from})",
            _ => $" WHERE {ts} >= {from} AND {ts} < {to}",
        };
        return $"SELECT {string.Join(", ", items.Select(i => i.Sql))} FROM {view}{(table is null ? "" : " " + table)}{range} GROUP BY {string.Join(", ", groups)}";
    }

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static List<string> Rows(JsonElement body) =>
        [.. body.GetProperty("rows").EnumerateArray().Select(r => r.ToString()).Order(StringComparer.Ordinal)];

    private Task<JsonElement> Sql(string sql, TestServer? server = null) => Api.AnalyticsAsync(server ?? _server, new { sql });
}
