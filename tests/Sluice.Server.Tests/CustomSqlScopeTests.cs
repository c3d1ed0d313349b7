using System.Globalization;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>
/// Custom SQL reads only the parts and unsealed rows its statement can see (SqlScope), and answers counts by level
/// from the stored counts (SqlStoredCounts): neither may change an answer. Events span four hours; half are sealed
/// into parts, half stay in memory, so every range below cuts hours, parts and memory. Each answer is compared with
/// the same computation done here in C#; each expected set is non-empty and differs from the unfiltered one, so a
/// part or row wrongly left out changes it.
/// </summary>
public sealed class CustomSqlScopeTests : IAsyncLifetime
{
    private const long Start = 1_767_243_600_000; // 2026-01-01T05:00:00Z
    private const long Hour = 3_600_000;
    private const long From = Start + (Hour / 2) + 12_345; // inside the first hour
    private const long To = Start + (2 * Hour) + (Hour / 4) + 678; // inside the third
    private const long Late = Start + (3 * Hour); // the fourth hour: no part of it overlaps [From, To)
    private static readonly List<Ev> Events = Generate();
    private TestServer _server = null!;

    private sealed record Ev(string Id, long Ts, string Kind, string Level, string? Service, int? Status);

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        var lines = Events.Select(ToJson).ToList();
        await Api.PostAsync(_server, lines.Where((_, i) => i % 2 == 0));
        await Api.FlushAsync(_server);
        await Api.PostAsync(_server, lines.Where((_, i) => i % 2 == 1));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Statements whose WHERE proves a range, and statements it must not be taken from; the expected rows by hand.</summary>
    public static TheoryData<string, string> Filters() => new()
    {
        { $"FROM events WHERE timestamp >= {From} AND timestamp < {To}", "range" },
        { $"FROM logs WHERE timestamp BETWEEN {From} AND {To} AND level = 'error'", "between-log-error" },
        { $"FROM traffic t WHERE {To} > t.timestamp AND {From} <= t.timestamp", "range-traffic" },
        { $"FROM events WHERE (timestamp > {From - 1} AND service = 'svc1') AND timestamp <= {To - 1}", "range-svc1" },
        { $"FROM events WHERE timestamp = {Events[10].Ts}", "equal" },
        // Not a plain range: every part must be read.
        { $"FROM events WHERE timestamp >= {From} OR level = 'error'", "from-or-error" },
        { $"FROM events WHERE NOT (timestamp < {From})", "from" },
        { $"FROM events WHERE timestamp + 0 >= {From} AND timestamp - 0 < {To}", "range" },
        { $"FROM logs WHERE time >= epoch_ms({From}) AND time < epoch_ms({To})", "range-log" },
        { $"FROM events WHERE timestamp >= {From} AND timestamp < {To} AND level IN (SELECT level FROM logs WHERE timestamp >= {Late})", "range-in-late-levels" },
        { $"FROM events e WHERE e.timestamp >= {From} AND (SELECT count(*) FROM events WHERE timestamp >= {Late}) > 0 AND timestamp < {To}", "range" },
        { $"FROM events WHERE timestamp >= 1.5 AND timestamp < {To}", "before-to" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task A_statement_sees_every_row_its_where_admits(string from, string meaning)
    {
        var expected = Events.Where(Predicate(meaning)).Select(e => e.Id).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.NotEqual(Events.Count, expected.Count);

        var body = await Sql($"SELECT id {from} ORDER BY id");
        Assert.Equal(expected, body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList());
    }

    [Fact]
    public async Task A_union_and_a_with_query_read_every_part()
    {
        var union = await Sql($"SELECT count(*) AS n FROM (SELECT id FROM logs WHERE timestamp < {From} UNION ALL SELECT id FROM traffic WHERE timestamp >= {To})");
        Assert.Equal(Events.Count(e => (e.Kind == "log" && e.Ts < From) || (e.Kind == "traffic" && e.Ts >= To)), union.GetProperty("rows")[0].GetProperty("n").GetInt64());

        var with = await Sql($"WITH early AS (SELECT * FROM events WHERE timestamp < {From}) SELECT count(*) AS n FROM early");
        Assert.Equal(Events.Count(e => e.Ts < From), with.GetProperty("rows")[0].GetProperty("n").GetInt64());
    }

    [Theory]
    [InlineData("SELECT level, count(*) FROM logs WHERE timestamp >= {0} AND timestamp < {1} GROUP BY level", "log", "level", "count_star()")]
    [InlineData("SELECT level AS lvl, count(*) AS n FROM events WHERE {1} > timestamp AND timestamp >= {0} GROUP BY level", null, "lvl", "n")]
    [InlineData("SELECT t.level, COUNT(*) AS n FROM traffic t WHERE t.timestamp BETWEEN {0} AND {2} GROUP BY t.level", "traffic", "level", "n")]
    public async Task Counts_by_level_come_from_the_stored_counts_and_equal_the_scan(string template, string? kind, string levelName, string countName)
    {
        var sql = string.Format(CultureInfo.InvariantCulture, template, From, To, To - 1);
        var stored = await Sql(sql);
        Assert.True(stored.GetProperty("timings").GetProperty("stored_counts").GetBoolean());

        // HAVING makes it a shape the stored counts do not answer: the engine scans.
        var scanned = await Sql(sql + " HAVING count(*) > 0");
        Assert.False(scanned.GetProperty("timings").TryGetProperty("stored_counts", out _));

        var expected = Events.Where(e => (kind is null || e.Kind == kind) && e.Ts >= From && e.Ts < To)
            .GroupBy(e => e.Level).Select(g => $"{g.Key}={g.Count()}").Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count > 1);
        Assert.Equal([levelName, countName], stored.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!));
        Assert.Equal(scanned.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!), stored.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!));
        Assert.Equal(expected, Rows(stored, levelName, countName));
        Assert.Equal(expected, Rows(scanned, levelName, countName));
    }

    [Fact]
    public async Task Counts_by_level_over_whole_hours_and_no_range_equal_the_events()
    {
        var whole = await Sql($"SELECT level, count(*) FROM events WHERE timestamp >= {Start + Hour} AND timestamp < {Start + (3 * Hour)} GROUP BY level");
        Assert.True(whole.GetProperty("timings").GetProperty("stored_counts").GetBoolean());
        Assert.Equal(Events.Where(e => e.Ts >= Start + Hour && e.Ts < Start + (3 * Hour)).GroupBy(e => e.Level).Select(g => $"{g.Key}={g.Count()}").Order(StringComparer.Ordinal),
            Rows(whole, "level", "count_star()"));

        var all = await Sql("SELECT level, count(*) FROM logs GROUP BY level");
        Assert.True(all.GetProperty("timings").GetProperty("stored_counts").GetBoolean());
        Assert.Equal(Events.Where(e => e.Kind == "log").GroupBy(e => e.Level).Select(g => $"{g.Key}={g.Count()}").Order(StringComparer.Ordinal),
            Rows(all, "level", "count_star()"));
    }

    private static List<string> Rows(JsonElement body, string levelName, string countName) =>
        [.. body.GetProperty("rows").EnumerateArray().Select(r => $"{r.GetProperty(levelName).GetString()}={r.GetProperty(countName).GetInt64()}").Order(StringComparer.Ordinal)];

    private async Task<JsonElement> Sql(string sql)
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql }));
        Assert.True(status == 200, $"custom SQL answered {status}: {body}");
        Assert.False(body.GetProperty("truncated").GetBoolean());
        return body;
    }

    private static Func<Ev, bool> Predicate(string meaning)
    {
        var late = Events.Where(e => e.Kind == "log" && e.Ts >= Late).Select(e => e.Level).ToHashSet();
        return meaning switch
        {
            "range" => e => e.Ts >= From && e.Ts < To,
            "between-log-error" => e => e.Kind == "log" && e.Ts >= From && e.Ts <= To && e.Level == "error",
            "range-traffic" => e => e.Kind == "traffic" && e.Ts >= From && e.Ts < To,
            "range-svc1" => e => e.Ts >= From && e.Ts < To && e.Service == "svc1",
            "equal" => e => e.Ts == Events[10].Ts,
            "from-or-error" => e => e.Ts >= From || e.Level == "error",
            "from" => e => e.Ts >= From,
            "range-log" => e => e.Kind == "log" && e.Ts >= From && e.Ts < To,
            "range-in-late-levels" => e => e.Ts >= From && e.Ts < To && late.Contains(e.Level),
            "before-to" => e => e.Ts < To,
            _ => throw new ArgumentOutOfRangeException(nameof(meaning), meaning, "no meaning written for this filter"),
        };
    }

    private static List<Ev> Generate()
    {
        var random = new Random(23);
        string[] levels = ["debug", "info", "info", "warn", "error"];
        string[] services = ["svc0", "svc1", "auth"];
        var events = new List<Ev>();
        for (var i = 0; i < 2400; i++)
        {
            var ts = Start + random.NextInt64(4 * Hour);
            events.Add(random.Next(3) == 0
                ? new Ev($"s{i:D5}", ts, "traffic", random.Next(4) == 0 ? "error" : "info", null, random.Next(4) == 0 ? 500 : 200)
                : new Ev($"s{i:D5}", ts, "log", levels[random.Next(levels.Length)], services[random.Next(services.Length)], null));
        }

        return events;
    }

    private static string ToJson(Ev e) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = e.Id, ["timestamp"] = e.Ts, ["kind"] = e.Kind, ["level"] = e.Level, ["message"] = "event " + e.Id,
        ["service"] = e.Service, ["status"] = e.Status, ["domain"] = e.Kind == "traffic" ? "a.example" : null,
    }.Where(f => f.Value is not null).ToDictionary());
}
