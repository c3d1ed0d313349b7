using Sluice.ClickHouse;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Errors;
using Sluice.Query.Analytics;

namespace Sluice.Tests.ClickHouse;

/// <summary>The guard's rewriting and ClickHouse's refusals as the embedded errors, without a server.</summary>
public sealed class ClickHouseSqlGuardTests
{
    [Theory]
    [InlineData("SELECT count() FROM events", "SELECT count() FROM db.events AS events")]
    [InlineData("select e.id from Logs e join traffic AS t using id;", "select e.id from db.logs e join db.traffic AS t using id")]
    [InlineData("SELECT id -- FROM system.tables\nFROM logs WHERE message = 'FROM system.tables'", "SELECT id FROM db.logs AS logs WHERE message = 'FROM system.tables'")]
    [InlineData("SELECT k FROM events ARRAY JOIN attr_keys AS k WHERE level IN ('info') AND x >= 1.5", "SELECT k FROM db.events AS events ARRAY JOIN attr_keys AS k WHERE level IN ('info') AND x >= 1.5")]
    [InlineData("SELECT a FROM (SELECT 1 AS a) s, `traffic`", "SELECT a FROM (SELECT 1 AS a) s, db.traffic AS `traffic`")]
    public void Admitted_sql_reads_the_databases_tables(string sql, string expected) =>
        Assert.Equal(expected, ClickHouseSqlGuard.Check(sql, "db"));

    [Theory]
    [InlineData("SELECT * FROM system.one", 15)]
    [InlineData("SELECT 1 FROM events WHERE id IN other.t", 34)]
    [InlineData("WITH 1 AS x SELECT x FROM events SETTINGS readonly = 0", 34)]
    [InlineData("SHOW TABLES", 1)]
    public void Refusals_say_where(string sql, int position)
    {
        var refused = Assert.Throws<SqlRejectedException>(() => ClickHouseSqlGuard.Check(sql, "db"));
        Assert.Equal(ErrorCodes.ForbiddenSql, refused.Code);
        Assert.Equal(position, refused.Position);
    }

    [Theory]
    [InlineData(159, typeof(QueryTimeoutException))]
    [InlineData(241, typeof(QueryMemoryException))]
    [InlineData(396, typeof(QueryFailedException))]
    [InlineData(164, typeof(SqlRejectedException))]
    [InlineData(47, typeof(QueryFailedException))]
    [InlineData(0, typeof(QueryUnavailableException))]
    public void ClickHouse_refusals_become_the_embedded_errors(int code, Type expected)
    {
        var error = ClickHouseErrors.Map(new ClickHouseException(code, $"ClickHouse answered 500: Code: {code}, e.displayText() = DB::Exception: no, e.what() = DB::Exception"), 2_000, 10, "cap");
        Assert.IsType(expected, error);
        Assert.DoesNotContain("e.what()", error.Message);
    }

    [Fact]
    public void Bound_values_are_written_in_as_literals_and_filters_attach_to_aggregates()
    {
        var dialect = new ClickHouseSqlDialect("db");
        var sql = $"x = {dialect.Parameter(0)} AND y < {dialect.Parameter(1)} AND z = {dialect.Parameter(10)} OR b = {dialect.Parameter(2)}";
        var values = new List<object> { "it's \\ here", -5L, true, 0, 0, 0, 0, 0, 0, 0, 2.5 };
        Assert.Equal(@"x = 'it\'s \\ here' AND y < (-5) AND z = 2.5 OR b = 1", ClickHouseSqlDialect.Inline(sql, values));
        Assert.Equal("countIf(ifNull(a = 1, 0))", dialect.AggregateWhere("count(*)", "a = 1"));
        Assert.Equal("uniqExactIf(`u`, ifNull(a = 1, 0))", dialect.AggregateWhere("count(DISTINCT `u`)", "a = 1"));
        Assert.Equal("sumIf(COALESCE(`w`, 1), ifNull(a = 1, 0))", dialect.AggregateWhere("sum(COALESCE(`w`, 1))", "a = 1"));
    }
}
