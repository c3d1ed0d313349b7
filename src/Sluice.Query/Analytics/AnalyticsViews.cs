using System.Text;
using Sluice.Core.Events;
using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Sql;
using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>A part a view reads, and the kind of every event in it.</summary>
public readonly record struct ViewPart(string Path, EventKind Kind);

/// <summary>
/// The views analytics SQL reads — <c>events</c> over the parts and the unsealed rows copied from memory, and for
/// custom SQL also <c>logs</c> and <c>traffic</c>, which add <c>time</c> as a TIMESTAMP — on one connection of a
/// sandboxed engine, in this process or in a SQL worker.
/// </summary>
public static class AnalyticsViews
{
    /// <summary>Creates the view <c>events</c>; <paramref name="hot"/> are the unsealed rows, <paramref name="hotColumns"/> the columns copied of them.</summary>
    public static void Create(DuckDbEngine.Connection connection, ISqlDialect dialect, IReadOnlyList<string> partPaths,
        IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> hot, bool[] hotColumns)
    {
        CopyHotRows(connection, dialect, hot, hotColumns);
        Exec(connection, $"CREATE OR REPLACE TEMP VIEW {SqlCompiler.EventsView} AS {Union(dialect, partPaths, hotColumns)}");
    }

    /// <summary>
    /// Creates the view <c>events</c>, or keeps the one a query on this connection left when it would be made the
    /// same: the same parts, the same copied columns, and no unsealed row either time. Creating it binds the parts'
    /// scans, 2–3 ms of every language query (issue 14). Returns what the view was made of when it may be kept after
    /// the query (no unsealed row), else null; hand that to <see cref="Release"/>.
    /// </summary>
    public static string? CreateOrKeep(DuckDbEngine.Connection connection, ISqlDialect dialect, IReadOnlyList<string> partPaths,
        IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> hot, bool[] hotColumns)
    {
        using var rows = hot.GetEnumerator();
        var anyRow = rows.MoveNext();
        var key = anyRow ? null : Key(partPaths, hotColumns);
        if (key is not null && key == connection.KeptViews)
        {
            return key;
        }

        connection.KeptViews = null;
        Create(connection, dialect, partPaths, anyRow ? FromCurrent(rows) : [], hotColumns);
        return key;
    }

    /// <summary>After a query: keeps the views <see cref="CreateOrKeep"/> said may be kept, drops the others (their copied rows' memory).</summary>
    public static void Release(DuckDbEngine.Connection connection, string? keep)
    {
        connection.KeptViews = keep;
        if (keep is null)
        {
            Drop(connection);
        }
    }

    /// <summary>
    /// Creates <c>events</c>, <c>logs</c> and <c>traffic</c>, as custom SQL may name any of them. Each view binds its
    /// Parquet scan (the footers of its parts) on its own, so <c>logs</c> and <c>traffic</c> read only the parts of
    /// their kind — a part holds one kind — and not every part through <c>events</c>.
    /// </summary>
    public static void CreateWithKinds(DuckDbEngine.Connection connection, ISqlDialect dialect, IReadOnlyList<ViewPart> parts,
        IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> hot, bool[] hotColumns)
    {
        CopyHotRows(connection, dialect, hot, hotColumns);
        Exec(connection, $"CREATE OR REPLACE TEMP VIEW {SqlCompiler.EventsView} AS {Union(dialect, [.. parts.Select(p => p.Path)], hotColumns)}");
        var kind = dialect.Identifier(PartSchema.Kind);
        var time = $"epoch_ms({dialect.Identifier(PartSchema.Timestamp)}) AS {dialect.Identifier("time")}";
        foreach (var (view, of) in new[] { ("logs", EventKind.Log), ("traffic", EventKind.Traffic) })
        {
            var source = Union(dialect, [.. parts.Where(p => p.Kind == of).Select(p => p.Path)], hotColumns);
            Exec(connection, $"CREATE OR REPLACE TEMP VIEW {view} AS SELECT *, {time} FROM ({source}) WHERE {kind} = '{PartSchema.KindName(of)}'");
        }
    }

    private static void CopyHotRows(DuckDbEngine.Connection connection, ISqlDialect dialect, IEnumerable<(ReadOnlyMemory<byte> Row, long Seq)> hot, bool[] hotColumns)
    {
        Exec(connection, $"CREATE OR REPLACE TEMP TABLE {HotRowsTable.Name} ({HotRowsTable.ColumnDefinitions(dialect.Identifier, hotColumns)})");
        using var appender = connection.TempAppender(HotRowsTable.Name);
        HotRowsTable.Append(appender, hot, hotColumns);
    }

    /// <summary>The parts' rows and the unsealed ones, as one relation with a part's columns.</summary>
    private static string Union(ISqlDialect dialect, IReadOnlyList<string> partPaths, bool[] hotColumns)
    {
        var memory = $"SELECT {HotRowsTable.SelectList(dialect.Identifier, hotColumns)} FROM {HotRowsTable.Name}";
        return partPaths.Count == 0 ? memory : $"SELECT {PartRowReader.SelectList(dialect)} FROM {dialect.Source([.. partPaths])} UNION ALL {memory}";
    }

    private static string Key(IReadOnlyList<string> partPaths, bool[] hotColumns)
    {
        var key = new StringBuilder(hotColumns.Length + (partPaths.Count * 96));
        foreach (var column in hotColumns)
        {
            key.Append(column ? '1' : '0');
        }

        foreach (var path in partPaths)
        {
            key.Append('\n').Append(path);
        }

        return key.ToString();
    }

    private static IEnumerable<(ReadOnlyMemory<byte>, long)> FromCurrent(IEnumerator<(ReadOnlyMemory<byte>, long)> rows)
    {
        do
        {
            yield return rows.Current;
        }
        while (rows.MoveNext());
    }

    public static void Drop(DuckDbEngine.Connection connection)
    {
        connection.KeptViews = null;
        Exec(connection, $"DROP VIEW IF EXISTS logs; DROP VIEW IF EXISTS traffic; DROP VIEW IF EXISTS {SqlCompiler.EventsView}; DROP TABLE IF EXISTS {HotRowsTable.Name};");
    }

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
