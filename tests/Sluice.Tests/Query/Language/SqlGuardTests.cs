using Sluice.Core.Errors;
using Sluice.Query.Analytics;

namespace Sluice.Tests.Query.Language;

public sealed class SqlGuardTests
{
    [Theory]
    [InlineData("SELECT service, count(*) FROM logs GROUP BY service")]
    [InlineData("select * from traffic where country in ('DE', 'NL') order by time desc limit 5;")]
    [InlineData("WITH e AS (SELECT level FROM logs) SELECT level, count(*) FROM e GROUP BY 1")]
    [InlineData("SELECT l.service FROM logs l JOIN traffic t ON l.trace_id = t.trace_id, events e")]
    [InlineData("SELECT date_trunc('hour', time) h, count(*) FILTER (WHERE level = 'error') FROM logs GROUP BY h")]
    [InlineData("SELECT CAST(risk AS DOUBLE), risk::VARCHAR, quantile_cont(risk, 0.9) OVER (PARTITION BY domain) FROM traffic")]
    [InlineData("SELECT * FROM logs WHERE message = 'DROP TABLE x; COPY' -- ATTACH in a comment\n")]
    [InlineData("SELECT \"select\" FROM (SELECT 1 AS \"select\" FROM logs) AS q")]
    [InlineData("SELECT * FROM logs WHERE service IN (SELECT service FROM traffic WHERE status >= 500)")]
    [InlineData("SELECT service, count(*) AS errors FROM logs WHERE level = 'error' AND time > now() - INTERVAL 1 HOUR GROUP BY 1 ORDER BY 2 DESC")]
    [InlineData("SELECT json_extract_string(attributes, '$.region') AS region, avg(risk) FROM traffic GROUP BY 1")]
    [InlineData("SELECT count(*) FROM (events CROSS JOIN traffic)")]
    [InlineData("SELECT CAST(risk AS DECIMAL(10, 2)) FROM traffic")]
    [InlineData("SELECT 1 /* outer /* inner */ still a comment; DROP VIEW logs */ FROM logs")]
    public void Read_only_selects_over_the_views_pass(string sql) => Assert.NotEmpty(SqlGuard.Check(sql));

    [Theory]
    [InlineData("DELETE FROM logs", 1, "only a SELECT")]
    [InlineData("DROP VIEW logs", 1, "only a SELECT")]
    [InlineData("SELECT 1; DROP TABLE logs", 9, "only one statement")]
    [InlineData("SELECT * FROM logs; SELECT 2", 19, "only one statement")]
    [InlineData("COPY logs TO '/tmp/x.csv'", 1, "only a SELECT")]
    [InlineData("SELECT 1 FROM logs WHERE 1 = 1 UNION SELECT * FROM read_csv('/etc/passwd')", 52, "FROM and JOIN may name only")]
    [InlineData("ATTACH '/tmp/x.db' AS x", 1, "only a SELECT")]
    [InlineData("PRAGMA database_list", 1, "only a SELECT")]
    [InlineData("WITH x AS (SELECT 1) INSERT INTO logs SELECT * FROM x", 22, "custom SQL only reads")]
    [InlineData("SELECT * FROM 'partitions/log/x.parquet'", 15, "FROM and JOIN may name only")]
    [InlineData("SELECT * FROM read_parquet('/data/partitions/*/*/*/*.parquet')", 15, "FROM and JOIN may name only")]
    [InlineData("SELECT * FROM logs, glob('/*')", 21, "FROM and JOIN may name only")]
    [InlineData("SELECT getenv('HOME') FROM logs", 8, "function 'getenv'")]
    [InlineData("SELECT read_text('/etc/hostname')", 8, "function 'read_text'")]
    [InlineData("SELECT * FROM duckdb_settings()", 15, "FROM and JOIN may name only")]
    [InlineData("SELECT current_setting('threads')", 8, "function 'current_setting'")]
    [InlineData("SELECT * FROM information_schema.tables", 15, "FROM and JOIN may name only")]
    [InlineData("SELECT (SELECT count(*) FROM pg_catalog.pg_class)", 30, "FROM and JOIN may name only")]
    [InlineData("SELECT table_name FROM logs WHERE 1 IN (SELECT 1 FROM duckdb_tables)", 55, "FROM and JOIN may name only")]
    [InlineData("SELECT pragma_version() FROM logs", 8, "engine's catalog")]
    [InlineData("SELECT 1 FROM logs WHERE information_schema.x = 1", 26, "engine's catalog")]
    [InlineData("SELECT * FROM logs WHERE service = $1", 36, "parameters")]
    [InlineData("SELECT * FROM query('SELECT 1')", 15, "FROM and JOIN may name only")]
    [InlineData("SELECT \"read_csv\"('/x')", 8, "function")]
    [InlineData("SELECT 1 FROM logs; SET threads = 64", 19, "only one statement")]
    [InlineData("SELECT * FROM logs, LATERAL range(10)", 29, "FROM and JOIN may name only")]
    [InlineData("SELECT * FROM x", 15, "FROM and JOIN may name only")]
    [InlineData("SELECT E'\\'' AS x, (SELECT count(*) FROM read_blob('/x')) AS y --'", 8, "prefixed strings")]
    [InlineData("SELECT 1 FROM logs --x\rUNION SELECT * FROM read_csv('/etc/passwd')", 44, "FROM and JOIN may name only")]
    [InlineData("WITH current_setting AS (SELECT 1) SELECT current_setting('threads')", 43, "function 'current_setting'")]
    [InlineData("WITH glob AS (SELECT 1) SELECT * FROM (glob('/x') CROSS JOIN events)", 40, "FROM and JOIN may name only")]
    [InlineData("SELECT * FROM (pg_class CROSS JOIN events)", 16, "FROM and JOIN may name only")]
    public void Writes_loads_and_reads_outside_the_views_are_refused(string sql, int position, string cause)
    {
        var error = Assert.Throws<SqlRejectedException>(() => SqlGuard.Check(sql));
        Assert.Equal(ErrorCodes.ForbiddenSql, error.Code);
        Assert.Contains(cause, error.Reason, StringComparison.Ordinal);
        Assert.Equal(position, error.Position);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("-- nothing", "only comments")]
    [InlineData("SELECT 'open", "unclosed string")]
    [InlineData("SELECT \"open", "unclosed quoted name")]
    [InlineData("SELECT 1 /* open", "unclosed comment")]
    [InlineData("SELECT 1 /* /* */ FROM read_csv('x') --", "unclosed comment")]
    public void Malformed_sql_is_invalid_not_forbidden(string sql, string cause)
    {
        var error = Assert.Throws<SqlRejectedException>(() => SqlGuard.Check(sql));
        Assert.Equal(ErrorCodes.InvalidSql, error.Code);
        Assert.Contains(cause, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trailing_semicolon_is_dropped() => Assert.Equal("SELECT 1 FROM logs ", SqlGuard.Check("SELECT 1 FROM logs ;"));
}
