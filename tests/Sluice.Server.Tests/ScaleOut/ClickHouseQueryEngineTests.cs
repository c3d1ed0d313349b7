using System.Text;
using Sluice.Core.Events;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Query.Search;
using Sluice.Server.Tests.Support;
using static Sluice.Server.Tests.ScaleOut.ClickHouseEngineFixture;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// The ClickHouse engine gives the embedded engine's answers for the same events: searches page by page, find,
/// trace, summaries, series, the query language, formulas and custom SQL.
/// </summary>
public sealed class ClickHouseQueryEngineTests(ClickHouseEngineFixture data) : IClassFixture<ClickHouseEngineFixture>
{
    public static TheoryData<string> Searches => new()
    {
        "",
        "level=error",
        "service=svc2&order=asc",
        "kind=traffic",
        "q=timeout&limit=7",
        "query=region:eu plan:pro&limit=33",
        "query=status:>=404 NOT decision:allow&order=asc&limit=50",
        "trace_id=t7&limit=3",
        "level=warn&query=latency:>100&limit=100&start=-5h&end=-2h",
    };

    [ClickHouseTheory]
    [MemberData(nameof(Searches))]
    public void Every_page_of_a_search_holds_the_same_events(string search)
    {
        var request = Request(search);
        var pages = new List<(string Embedded, string ClickHouse)>();
        SearchCursor? embeddedCursor = null, clickHouseCursor = null;
        do
        {
            using var embedded = data.Embedded.Search(request with { Cursor = embeddedCursor }, false);
            using var clickHouse = data.ClickHouse.Search(request with { Cursor = clickHouseCursor }, false);
            pages.Add((Events(embedded.Value.Rows), Events(clickHouse.Value.Rows)));
            Assert.Equal(embedded.Value.Next is null, clickHouse.Value.Next is null);
            embeddedCursor = embedded.Value.Next;
            clickHouseCursor = clickHouse.Value.Next;
            Assert.True(pages.Count < 500, "the pages do not end");
        }
        while (embeddedCursor is not null);

        Assert.True(pages.Sum(p => p.Embedded.Length) > 10, "the search found nothing to compare");
        for (var i = 0; i < pages.Count; i++)
        {
            Assert.True(pages[i].Embedded == pages[i].ClickHouse, $"page {i}:\nembedded   {pages[i].Embedded[..Math.Min(400, pages[i].Embedded.Length)]}\nclickhouse {pages[i].ClickHouse[..Math.Min(400, pages[i].ClickHouse.Length)]}");
        }
    }

    [ClickHouseFact]
    public void Find_and_trace_give_the_same_events()
    {
        foreach (var id in new[] { "l0", "l1999", "r17", "nope" })
        {
            using var embedded = data.Embedded.Find(id, false);
            using var clickHouse = data.ClickHouse.Find(id, false);
            Assert.Equal(Events(embedded.Value is { } e ? [e] : []), Events(clickHouse.Value is { } c ? [c] : []));
        }

        foreach (var trace in new[] { "t0", "t39", "none" })
        {
            using var embedded = data.Embedded.Trace(trace, false);
            using var clickHouse = data.ClickHouse.Trace(trace, false);
            Assert.Equal(Events(embedded.Value.Rows), Events(clickHouse.Value.Rows));
            Assert.Equal(embedded.Value.Truncated, clickHouse.Value.Truncated);
        }

        using var cut = data.ClickHouse.Trace("t1", false, maxBytes: 1_000);
        using var cutLocal = data.Embedded.Trace("t1", false, maxBytes: 1_000);
        Assert.True(cut.Value.Truncated);
        Assert.Equal(Events(cutLocal.Value.Rows), Events(cut.Value.Rows));
    }

    [ClickHouseFact]
    public void Summaries_and_series_count_the_same()
    {
        var filters = new[] { null, QueryParser.Parse("status:>=404 OR level:error").Filter, QueryParser.Parse("region:eu").Filter };
        foreach (var kind in new[] { EventKind.Log, EventKind.Traffic })
        {
            foreach (var (start, end) in new[] { (Base, Now), (Base + 1_234_567, Base + 9_000_000) })
            {
                foreach (var filter in filters)
                {
                    var embedded = Summary(data.Embedded.Summarize(kind, start, end, false, filter, Now));
                    Assert.Equal(embedded, Summary(data.ClickHouse.Summarize(kind, start, end, false, filter, Now)));
                    Assert.Contains("total=", embedded);
                }
            }
        }

        foreach (var (kind, field, start, bucket) in new[]
                 {
                     (EventKind.Log, "level", Base, 3_600_000L), (EventKind.Log, "service", Base + 60_000, 600_000L),
                     (EventKind.Traffic, "decision", Base, 1_800_000L), (EventKind.Traffic, "country", Base - 3_600_000, 7_200_000L),
                 })
        {
            var embedded = data.Embedded.Series(kind, field, start, Now, bucket);
            var clickHouse = data.ClickHouse.Series(kind, field, start, Now, bucket);
            Assert.Equal(embedded.Times, clickHouse.Times);
            Assert.Equal(Series(embedded.Values), Series(clickHouse.Values));
            Assert.NotEmpty(embedded.Values);
        }

        Assert.Throws<ArgumentException>(() => data.ClickHouse.Series(EventKind.Log, "message", Base, Now, 3_600_000));
    }

    public static TheoryData<string> Queries => new()
    {
        "level:error | stats count() by service",
        "kind:traffic | stats count() as n, avg(risk) as a, min(risk) as lo, max(risk) as hi, sum(risk) as s, count_distinct(ip_hash) as ips, quantile(0.5, risk) as med by (decision)",
        "kind:log | stats count() as n by (service, bin(30m))",
        "kind:traffic | top 3 country",
        "| top 5 latency",
        "level:error | sort by service, timestamp desc | limit 7 | fields service, message",
        "region:eu | stats avg(latency) as a, quantile(0.9, latency) as p by (bin(1h))",
        "NOT plan:pro kind:log | stats count_distinct(user_id) as users, count() as n by (system)",
        "timeout | limit 5",
        "message:*took\\ 9* OR status:503 | stats count() by kind",
        "kind:traffic | stats count() as n by (ad_click, method) | sort by n desc",
        "kind:traffic ad_click:true | fields id, ad_click, status | limit 4",
        "kind:log | stats count() as n by service | stats avg(n) as mean, max(n) as most",
        "_time:[2026-01-01T07:00:00Z, 2026-01-01T08:00:00Z) | stats count() by level",
        "latency:>200 level:>=warn",
    };

    [ClickHouseTheory]
    [MemberData(nameof(Queries))]
    public void A_query_gives_the_same_answer(string text)
    {
        var query = QueryParser.Parse(text);
        using var embedded = data.Embedded.Run(query, QueryBounds.All, false, CancellationToken.None);
        using var clickHouse = data.ClickHouse.Run(query, QueryBounds.All, false, CancellationToken.None);
        var expected = Answer(embedded);
        Assert.Equal(expected, Answer(clickHouse));
        Assert.DoesNotContain("row_count=0\n", expected);
    }

    [ClickHouseFact]
    public void A_query_within_a_range_gives_the_same_answer()
    {
        var query = QueryParser.Parse("| stats count() as n by (kind, level)");
        var within = new QueryBounds(Base + 3_600_000, Base + 7_000_000, null);
        using var embedded = data.Embedded.Run(query, within, false, CancellationToken.None);
        using var clickHouse = data.ClickHouse.Run(query, within, false, CancellationToken.None);
        Assert.Equal(Answer(embedded), Answer(clickHouse));
    }

    [ClickHouseFact]
    public void Formulas_give_the_same_values_with_and_without_buckets()
    {
        foreach (var (formula, bucket) in new (string, long?)[]
                 {
                     ("count(decision:block) / count(kind:traffic) * 100", null),
                     ("sum(risk, decision:block) + max(risk, decision:block) - avg(risk)", null),
                     ("count_distinct(user_id) + min(priority, level:error)", null),
                     ("rate(level:error, 30m)", 3_600_000),
                     ("count(status:503) / count(kind:traffic)", 1_800_000),
                 })
        {
            var embedded = data.Embedded.Formula(formula, Base - 600_000, Now, bucket, null, false, CancellationToken.None);
            var clickHouse = data.ClickHouse.Formula(formula, Base - 600_000, Now, bucket, null, false, CancellationToken.None);
            Assert.Equal(Round(embedded.Value), Round(clickHouse.Value));
            Assert.Equal(embedded.Series?.Select(p => (p.BucketStart, Round(p.Value))), clickHouse.Series?.Select(p => (p.BucketStart, Round(p.Value))));
            Assert.True(embedded.Value is not null || embedded.Series!.Any(p => p.Value > 0), formula);
        }

        var scoped = QueryParser.Parse("service:svc1").Filter;
        Assert.Equal(
            Round(data.Embedded.Formula("count(level:error) / count()", Base, Now, null, scoped, false, CancellationToken.None).Value),
            Round(data.ClickHouse.Formula("count(level:error) / count()", Base, Now, null, scoped, false, CancellationToken.None).Value));
    }

    [ClickHouseFact]
    public void Custom_sql_over_events_gives_the_same_table()
    {
        const string sql = """
            SELECT service, level, count(*) AS n, min(timestamp) AS first, sum(priority) AS p
            FROM events WHERE kind = 'log' AND message LIKE '%took 1%'
            GROUP BY service, level ORDER BY service, level
            """;
        using var embedded = data.Embedded.RunSql(sql, false, CancellationToken.None);
        using var clickHouse = data.ClickHouse.RunSql(sql, false, CancellationToken.None);
        var expected = Answer(embedded);
        Assert.Equal(expected, Answer(clickHouse));
        Assert.Contains("svc4", expected);
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 9) : null;

    private static string Series(IReadOnlyDictionary<string, long[]> values) =>
        string.Join("\n", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Key + ": " + string.Join(",", v.Value)));

    /// <summary>A search as the API's parameters put it (start and end relative to the fixture's clock, in hours).</summary>
    private static SearchRequest Request(string search)
    {
        var request = new SearchRequest { NowMs = Now, Limit = 250 };
        foreach (var pair in search.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
            request = name switch
            {
                "level" => request with { LevelMask = 1 << (int)Enum.Parse<EventLevel>(value, ignoreCase: true) },
                "service" => request with { Service = Encoding.UTF8.GetBytes(value) },
                "trace_id" => request with { TraceId = Encoding.UTF8.GetBytes(value) },
                "kind" => request with { Kind = value == "traffic" ? EventKind.Traffic : EventKind.Log },
                "q" => request with { Text = value },
                "query" => request with { Filter = QueryParser.Parse(value).Filter },
                "order" => request with { Descending = value != "asc" },
                "limit" => request with { Limit = int.Parse(value) },
                "start" => request with { StartMs = Now + (long.Parse(value[..^1]) * 3_600_000) },
                "end" => request with { EndMs = Now + (long.Parse(value[..^1]) * 3_600_000) },
                _ => throw new ArgumentException(name),
            };
        }

        return request;
    }
}
