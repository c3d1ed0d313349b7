using Sluice.Core.Events;
using Sluice.Query.Analytics;

namespace Sluice.Tests.Query.Language;

/// <summary>
/// What the guard proves a statement can read: a range only from comparisons of the one view's <c>timestamp</c>
/// with integers ANDed at the top of its WHERE, in a statement that reads that view once; anything else reads all.
/// </summary>
public sealed class SqlScopeTests(ParserEngine parser) : IClassFixture<ParserEngine>
{
    [Theory]
    [InlineData("SELECT * FROM events WHERE timestamp >= 100 AND timestamp < 200", null, 100L, 200L)]
    [InlineData("SELECT * FROM logs WHERE timestamp > 99 AND level = 'error' AND timestamp <= 199", EventKind.Log, 100L, 200L)]
    [InlineData("SELECT * FROM traffic t WHERE 200 > t.timestamp AND 100 <= t.timestamp", EventKind.Traffic, 100L, 200L)]
    [InlineData("SELECT count(*) FROM events WHERE timestamp BETWEEN 100 AND 199 GROUP BY level HAVING count(*) > 1 ORDER BY 1 LIMIT 3", null, 100L, 200L)]
    [InlineData("SELECT * FROM events WHERE timestamp = 150", null, 150L, 151L)]
    [InlineData("SELECT * FROM events WHERE NOT (timestamp < 100)", null, 100L, long.MaxValue)] // the parser turns it into >=
    [InlineData("SELECT * FROM events WHERE (timestamp >= 100 AND (service = 'a' AND timestamp < 300)) AND timestamp < 200", null, 100L, 200L)]
    [InlineData("SELECT * FROM events WHERE timestamp >= 100 AND timestamp >= 1.5 AND timestamp < 99999999999999999999", null, 100L, long.MaxValue)]
    public void A_plain_range_is_read_from_the_where(string sql, EventKind? kind, long start, long end)
    {
        var bounds = parser.Check(sql).Scope.Bounds;
        Assert.Equal((start, end, kind), (bounds.Start, bounds.End, bounds.Kind));
    }

    [Theory]
    [InlineData("SELECT * FROM events WHERE timestamp >= 100 OR level = 'error'")]
    [InlineData("SELECT * FROM events WHERE NOT (timestamp < 100 AND level = 'error')")]
    [InlineData("SELECT * FROM events WHERE timestamp NOT BETWEEN 1 AND 100")]
    [InlineData("SELECT * FROM events WHERE timestamp <> 100")]
    [InlineData("SELECT * FROM events WHERE timestamp + 0 >= 100")]
    [InlineData("SELECT * FROM logs WHERE time >= epoch_ms(100)")]
    [InlineData("SELECT * FROM events WHERE timestamp >= 100 AND level IN (SELECT level FROM logs)")]
    [InlineData("SELECT * FROM events WHERE timestamp >= (SELECT max(timestamp) FROM events)")]
    [InlineData("SELECT * FROM events WHERE timestamp >= 100 UNION ALL SELECT * FROM events")]
    [InlineData("WITH e AS (SELECT * FROM events) SELECT * FROM e WHERE timestamp >= 100")]
    [InlineData("SELECT * FROM (SELECT * FROM events) WHERE timestamp >= 100")]
    [InlineData("SELECT * FROM events TABLESAMPLE 10% WHERE timestamp >= 100")]
    [InlineData("SELECT * FROM events e, logs l WHERE e.timestamp >= 100")]
    [InlineData("SELECT * FROM events e WHERE other.timestamp >= 100")]
    public void Anything_else_reads_every_part(string sql)
    {
        var bounds = parser.Check(sql).Scope.Bounds;
        Assert.Equal((long.MinValue, long.MaxValue), (bounds.Start, bounds.End));
    }

    [Theory]
    [InlineData("SELECT level, count(*) FROM logs WHERE timestamp >= 1 AND timestamp < 2 GROUP BY level", true)]
    [InlineData("SELECT level, count(*) FROM events GROUP BY level", true)]
    [InlineData("SELECT level, count(*) FROM logs WHERE timestamp >= 1 AND service = 'a' GROUP BY level", false)]
    [InlineData("SELECT level, count(*) FROM logs GROUP BY level ORDER BY 2", false)]
    [InlineData("SELECT level, count(*) FILTER (WHERE status > 1) FROM logs GROUP BY level", false)]
    [InlineData("SELECT level, count(level) FROM logs GROUP BY level", false)]
    [InlineData("SELECT service, count(*) FROM logs GROUP BY service", false)]
    [InlineData("SELECT DISTINCT level, count(*) FROM logs GROUP BY level", false)]
    [InlineData("SELECT level, count(*) FROM logs GROUP BY ROLLUP (level)", false)]
    public void Only_count_by_level_over_a_range_is_the_stored_count_shape(string sql, bool shape)
    {
        Assert.Equal(shape, parser.Check(sql).CountShape is not null);
    }
}
