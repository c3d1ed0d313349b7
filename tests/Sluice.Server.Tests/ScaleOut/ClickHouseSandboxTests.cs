using System.Text;
using Sluice.ClickHouse;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Query.Analytics;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// Custom SQL on ClickHouse runs as the read-only user `sluice_reader` (scripts/clickhouse.sh), which may read only the
/// database <c>sluice</c>: so these tests use that database, apart from other tests by a node name of their own.
/// Sluice's guard refuses what is not one SELECT over events, logs and traffic; ClickHouse's own limits come back
/// as the embedded engine's errors.
/// </summary>
public sealed class ClickHouseSandboxTests
{
    private const string Database = "sluice";
    private const int Rows = 20;
    private static readonly ManualClock Clock = new(1_767_268_800_000);

    public static TheoryData<string, string> Refused => new()
    {
        { "SELECT name FROM system.tables", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM events WHERE id IN (SELECT name FROM system.tables)", ErrorCodes.ForbiddenSql },
        { "SELECT id FROM events WHERE id IN system.tables", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM default.logs", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM sluice.logs", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM secrets", ErrorCodes.ForbiddenSql },
        { "SELECT e.id FROM events AS e, system.users AS u", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM events AS system WHERE id IN system.tables", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM (SELECT 1) AS s, logs_local", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM events e, (SELECT 1) s, secrets", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM numbers(10)", ErrorCodes.ForbiddenSql },
        { "SELECT count() FROM events WHERE id IN (SELECT toString(number) FROM numbers(3))", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM url('http://127.0.0.1:1/', CSV, 'a String')", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM file('/etc/passwd', CSV, 'a String')", ErrorCodes.ForbiddenSql },
        { "SELECT * FROM remote('127.0.0.1', system.one)", ErrorCodes.ForbiddenSql },
        { "SELECT dictGetString('d', 'a', toUInt64(1))", ErrorCodes.ForbiddenSql },
        { "INSERT INTO logs (id) VALUES ('x')", ErrorCodes.ForbiddenSql },
        { "ALTER TABLE logs DELETE WHERE 1", ErrorCodes.ForbiddenSql },
        { "DROP TABLE logs", ErrorCodes.ForbiddenSql },
        { "SELECT 1; DROP TABLE logs", ErrorCodes.ForbiddenSql },
        { "SELECT count() FROM events SETTINGS max_memory_usage = 100000000000", ErrorCodes.ForbiddenSql },
        { "SELECT count() FROM events FORMAT TabSeparated", ErrorCodes.ForbiddenSql },
        { "SELECT id FROM events INTO OUTFILE '/tmp/x'", ErrorCodes.ForbiddenSql },
        { "SELECT 'unclosed FROM events", ErrorCodes.InvalidSql },
        { "  ", ErrorCodes.InvalidSql },
    };

    [ClickHouseTheory]
    [MemberData(nameof(Refused))]
    public async Task Sql_that_is_not_one_select_over_the_event_tables_is_refused(string sql, string code)
    {
        var (store, engine, _) = await SetUpAsync(new QueryOptions());
        using (store)
        using (engine)
        {
            var refused = Assert.Throws<SqlRejectedException>(() => engine.RunSql(sql, false, CancellationToken.None));
            Assert.Equal(code, refused.Code);
        }
    }

    [ClickHouseFact]
    public async Task A_select_over_the_tables_runs_as_the_reader_whatever_its_strings_and_comments_hold()
    {
        var (store, engine, node) = await SetUpAsync(new QueryOptions());
        using (store)
        using (engine)
        {
            var sql = $"""
                -- SETTINGS and system.tables in a comment, FORMAT in a string
                SELECT e.id, 'FROM system.tables FORMAT JSON' AS note, l.n
                FROM events AS e
                JOIN (SELECT id, toInt64(seq) * 2 AS n FROM logs WHERE node = '{node}') AS l USING id
                WHERE e.node = '{node}' AND e.seq <= 3 AND e.level IN ('info', 'warn')
                  AND e.id IN (SELECT id FROM Events x CROSS JOIN (SELECT 1 AS one) o WHERE x.node = '{node}' AND o.one = 1)
                ORDER BY e.seq;
                """;
            using var answer = engine.RunSql(sql, false, CancellationToken.None);
            Assert.Equal(["id", "note", "n"], answer.Columns.Select(c => c.Name));
            Assert.Equal("e1|FROM system.tables FORMAT JSON|2;e2|FROM system.tables FORMAT JSON|4;e3|FROM system.tables FORMAT JSON|6",
                string.Join(";", answer.Rows.Select(r => string.Join("|", r))));
            Assert.IsType<long>(answer.Rows[0][2]);
        }
    }

    [ClickHouseFact]
    public async Task An_answer_longer_than_max_rows_is_refused_with_the_limit_named()
    {
        var (store, engine, node) = await SetUpAsync(new QueryOptions { MaxRows = Rows - 5 });
        using (store)
        using (engine)
        {
            using (var fits = engine.RunSql($"SELECT id FROM events WHERE node = '{node}' LIMIT {Rows - 5}", false, CancellationToken.None))
            {
                Assert.Equal(Rows - 5, fits.Rows.Count);
            }

            var refused = Assert.Throws<QueryFailedException>(() => engine.RunSql($"SELECT id FROM events WHERE node = '{node}'", false, CancellationToken.None));
            Assert.Contains("Query:MaxRows", refused.Message);
        }
    }

    [ClickHouseFact]
    public async Task An_answer_whose_text_outgrows_the_answer_cap_is_refused_while_it_arrives()
    {
        var (store, engine, node) = await SetUpAsync(new QueryOptions { MaxAnswerMb = 1 });
        using (store)
        using (engine)
        {
            // One row of 3 MB of text: past twice Query:MaxAnswerMb, refused before it is all read.
            var refused = Assert.Throws<QueryFailedException>(() => engine.RunSql(
                $"SELECT arrayStringConcat(arrayMap(x -> 'abcdefghij', range(300000)), '') AS s FROM events WHERE node = '{node}' LIMIT 1", false, CancellationToken.None));
            Assert.Contains("Query:MaxAnswerMb", refused.Message);
            using var fits = engine.RunSql($"SELECT arrayStringConcat(arrayMap(x -> 'abcdefghij', range(1000)), '') AS s FROM events WHERE node = '{node}' LIMIT 1", false, CancellationToken.None);
            Assert.Single(fits.Rows);
        }
    }

    [ClickHouseFact]
    public async Task A_query_past_its_memory_or_time_is_stopped_with_the_embedded_engines_errors()
    {
        var (store, engine, node) = await SetUpAsync(new QueryOptions(), o => o with { SqlMaxMemoryMb = 8 });
        using (store)
        using (engine)
        {
            var memory = Assert.Throws<QueryMemoryException>(() => engine.RunSql(
                $"SELECT length(groupArray(toString(x))) FROM (SELECT arrayJoin(range(1000000)) AS x FROM logs WHERE node = '{node}')", false, CancellationToken.None));
            Assert.Contains("ClickHouse:SqlMaxMemoryMb = 8", memory.Message);
        }

        (store, engine, node) = await SetUpAsync(new QueryOptions(), o => o with { SqlMaxSeconds = 1 });
        using (store)
        using (engine)
        {
            // ClickHouse checks its time limit as it reads blocks: a million rows of this node, on a day of their own
            // (dropped after) so no other test reads them.
            var day = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(Random.Shared.Next(0, 3000));
            var dayMs = new DateTimeOffset(day).ToUnixTimeMilliseconds();
            var table = store.WriteTable(Sluice.Core.Events.EventKind.Log);
            await store.Writer.ExecuteAsync($"INSERT INTO {table} (node, seq, timestamp, kind, level) SELECT '{node}', 1000 + number, {dayMs} + number, 'log', 'info' FROM system.numbers LIMIT 1000000");
            try
            {
                var started = DateTime.UtcNow;
                // 40 µs a row sleeps 2.6 s a block whatever the machine's speed (a hash loop finished inside the second
                // on a quiet machine); ClickHouse checks its time limit between blocks.
                var slow = $"SELECT sum(sleepEachRow(0.00004)) FROM logs WHERE node = '{node}'";
                var timeout = Assert.Throws<QueryTimeoutException>(() => engine.RunSql(slow, false, CancellationToken.None));
                Assert.Equal(1_000, timeout.TimeoutMs);
                Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "ClickHouse did not stop the query at its limit");
            }
            finally
            {
                await store.Writer.ExecuteAsync($"ALTER TABLE {table} DROP PARTITION {day:yyyyMMdd}");
            }
        }
    }

    [ClickHouseFact]
    public async Task Without_a_read_user_custom_sql_is_unavailable()
    {
        var (store, engine, _) = await SetUpAsync(new QueryOptions(), o => o with { ReadUser = "" });
        using (store)
        using (engine)
        {
            Assert.Throws<QueryUnavailableException>(() => engine.RunSql("SELECT count() FROM events", false, CancellationToken.None));
        }
    }

    /// <summary>The `sluice` tables with <see cref="Rows"/> log events of a node of this test's own.</summary>
    private static async Task<(ClickHouseStore Store, ClickHouseQueryEngine Engine, string Node)> SetUpAsync(QueryOptions query, Func<ClickHouseOptions, ClickHouseOptions>? configure = null)
    {
        var node = "sandbox-" + Guid.NewGuid().ToString("N")[..10];
        var options = new ClickHouseOptions { Url = ClickHouseFactAttribute.Url!, Database = Database, ReadUser = "sluice_reader" };
        options = configure?.Invoke(options) ?? options;
        var store = new ClickHouseStore(options, new Dependencies(new BreakerOptions()), node);
        await store.EnsureSchemaAsync(CancellationToken.None);
        var rows = new StringBuilder();
        for (var seq = 1; seq <= Rows; seq++)
        {
            rows.Append($$"""{"node":"{{node}}","seq":{{seq}},"timestamp":{{Clock.UnixMilliseconds - seq}},"kind":"log","level":"info","id":"e{{seq}}","message":"m{{seq}}"}""").Append('\n');
        }

        await store.Writer.ExecuteAsync($"INSERT INTO {store.WriteTable(Sluice.Core.Events.EventKind.Log)} FORMAT JSONEachRow", Encoding.UTF8.GetBytes(rows.ToString()), ClickHouseDialect.InsertSettings);
        return (store, new ClickHouseQueryEngine(store, options, query, Clock), node);
    }
}
