using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Sql;
using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// The views analytics SQL reads — <c>events</c> over the parts and the unsealed rows copied from memory, and for
/// custom SQL also <c>logs</c> and <c>traffic</c>, which add <c>time</c> as a TIMESTAMP — on one connection of a
/// sandboxed engine, in this process or in a SQL worker.
/// </summary>
public static class AnalyticsViews
{
    /// <summary>Creates the views; <paramref name="hot"/> are the unsealed rows, <paramref name="hotColumns"/> the columns copied of them.</summary>
    public static void Create(DuckDbEngine.Connection connection, ISqlDialect dialect, IReadOnlyList<string> partPaths,
        IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> hot, bool[] hotColumns, bool kindViews)
    {
        Exec(connection, $"CREATE OR REPLACE TEMP TABLE {HotRowsTable.Name} ({HotRowsTable.ColumnDefinitions(dialect.Identifier, hotColumns)})");
        using (var appender = connection.TempAppender(HotRowsTable.Name))
        {
            HotRowsTable.Append(appender, hot, hotColumns);
        }

        var columns = PartRowReader.SelectList(dialect);
        var memory = $"SELECT {HotRowsTable.SelectList(dialect.Identifier, hotColumns)} FROM {HotRowsTable.Name}";
        var events = partPaths.Count == 0 ? memory : $"SELECT {columns} FROM {dialect.Source([.. partPaths])} UNION ALL {memory}";
        var kind = dialect.Identifier(PartSchema.Kind);
        var time = $"epoch_ms({dialect.Identifier(PartSchema.Timestamp)}) AS {dialect.Identifier("time")}";
        Exec(connection, $"CREATE OR REPLACE TEMP VIEW {SqlCompiler.EventsView} AS {events}");
        if (!kindViews)
        {
            return;
        }

        // Each view binds the Parquet scan again (footers of every part), so only custom SQL, which may name them, gets these.
        Exec(connection, $"CREATE OR REPLACE TEMP VIEW logs AS SELECT *, {time} FROM {SqlCompiler.EventsView} WHERE {kind} = 'log'");
        Exec(connection, $"CREATE OR REPLACE TEMP VIEW traffic AS SELECT *, {time} FROM {SqlCompiler.EventsView} WHERE {kind} = 'traffic'");
    }

    public static void Drop(DuckDbEngine.Connection connection) =>
        Exec(connection, $"DROP VIEW IF EXISTS logs; DROP VIEW IF EXISTS traffic; DROP VIEW IF EXISTS {SqlCompiler.EventsView}; DROP TABLE IF EXISTS {HotRowsTable.Name};");

    /// <summary>Rows above P that can match, in seq order, straight from the chunks' buffers.</summary>
    public static IEnumerable<(ReadOnlyMemory<byte>, long)> UnsealedRows(IReadOnlyList<HotChunk> chunks, long persisted, QueryBounds bounds, RowPredicate? predicate)
    {
        foreach (var chunk in chunks)
        {
            var count = chunk.Count;
            if (count == 0 || chunk.LastSeq <= persisted || chunk.MaxTimestamp < bounds.Start || chunk.MinTimestamp >= bounds.End)
            {
                continue;
            }

            var rows = chunk.Rows;
            for (var i = 0; i < count; i++)
            {
                var entry = rows[i];
                if (entry.Seq <= persisted || !bounds.Admits(entry.Timestamp, entry.Kind))
                {
                    continue;
                }

                var row = chunk.Data.Slice(entry.Offset, entry.Length);
                if (predicate is null || predicate.Matches(row))
                {
                    yield return (row, entry.Seq);
                }
            }
        }
    }

    private static void Exec(DuckDbEngine.Connection connection, string sql)
    {
        using var command = connection.Command(sql);
        command.ExecuteNonQuery();
    }
}
