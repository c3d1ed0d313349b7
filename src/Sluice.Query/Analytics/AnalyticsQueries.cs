using System.Data.Common;
using DuckDB.NET.Data;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Search;
using Sluice.Query.Sql;
using Sluice.Storage;
using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Runs language queries, custom SQL and formulas on the sandboxed engine over three views — <c>events</c>,
/// <c>logs</c>, <c>traffic</c> — that join the sealed parts (events ≤ the manifest's persisted seq P) with the rows
/// above P copied from memory. P is leased before the hot snapshot, as for summaries, so every event is read once.
/// Each run has a deadline (<c>Query:TimeoutMs</c>) and stops when its caller cancels.
/// </summary>
public sealed class AnalyticsQueries(EventStore store, EventQueries search, ISqlDialect dialect, QueryOptions options, IClock clock)
{
    public ISqlDialect Dialect => dialect;

    public long NowMs => clock.UnixMilliseconds;

    /// <summary>Whether counts must read sample weights (<see cref="EventStore.HasWeightedEvents"/>).</summary>
    public bool Weighted => store.HasWeightedEvents;

    /// <summary>
    /// The time before which every event in memory is sealed: the earliest timestamp above P, or now. An answer over a
    /// range that ends by then reads parts only, and may be cached.
    /// </summary>
    public long SealedThroughMs()
    {
        var persisted = store.Catalog.Current.PersistedThroughSeq;
        var earliest = NowMs;
        foreach (var chunk in store.Hot.Chunks)
        {
            if (chunk.Count > 0 && chunk.LastSeq > persisted)
            {
                earliest = Math.Min(earliest, chunk.MinTimestamp);
            }
        }

        return earliest;
    }

    /// <summary>Runs a parsed query; <paramref name="within"/> narrows it to a time range (the endpoint's start/end).</summary>
    public QueryAnswer Run(ParsedQuery query, QueryBounds within, bool includeArchive, CancellationToken cancel)
    {
        var now = NowMs;
        if (within.Start != long.MinValue || within.End != long.MaxValue)
        {
            // The caller's range is one more filter term, so the parts' SQL and the rows in memory both obey it.
            var range = TimeFilter.Between(within.Start, within.End);
            query = query with { Filter = query.Filter is null ? range : new AndFilter(query.Filter, range) };
        }

        if (query.Pipes.All(p => p is LimitPipe))
        {
            return Search(query, includeArchive, now, cancel);
        }

        var weighted = store.HasWeightedEvents;
        var compiled = SqlCompiler.Compile(query, dialect, now, options.MaxRows, weighted);
        var bounds = QueryBounds.Of(query.Filter, now);
        var predicate = query.Filter is null ? null : new RowPredicate(query.Filter, now);
        var columns = ReferencedColumns.Of(query, compiled.ReturnsEvents, weighted);
        return Execute(bounds, predicate, columns, includeArchive, compiled.Sql, compiled.Values, cancel, (reader, token) =>
        {
            if (compiled.ReturnsEvents)
            {
                var events = new PartRowReader();
                var count = events.ReadAll(reader, token);
                return QueryAnswer.OfEvents(events, count, options.MaxRows);
            }

            return QueryAnswer.Table(compiled.Columns, ReadRows(reader, token), options.MaxRows);
        });
    }

    /// <summary>
    /// A query that only filters (and limits) is a search: newest first, read the way search reads — newest parts
    /// first, sort keys before whole rows — instead of sorting every match in the engine.
    /// </summary>
    private QueryAnswer Search(ParsedQuery query, bool includeArchive, long now, CancellationToken cancel)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var asked = query.Pipes.Count == 0 ? int.MaxValue : query.Pipes.Cast<LimitPipe>().Min(l => l.Count);
        var limit = Math.Min(asked, options.MaxRows);
        var bounds = QueryBounds.Of(query.Filter, now);
        var request = new SearchRequest
        {
            Filter = query.Filter,
            NowMs = now,
            StartMs = bounds.Start == long.MinValue ? null : bounds.Start,
            EndMs = bounds.End == long.MaxValue ? null : bounds.End,
            Kind = bounds.Kind,
            Limit = limit,
        };
        var result = WithDeadline(cancel, token => search.Search(request, includeArchive, token));

        var answer = QueryAnswer.OfSearch([.. result.Value.Rows], result, truncated: result.Value.Next is not null && asked > options.MaxRows);
        answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return answer;
    }

    /// <summary>Runs custom SQL after <see cref="SqlGuard"/> admitted it; the answer is capped at <c>Query:MaxRows</c>.</summary>
    public QueryAnswer RunSql(string sql, bool includeArchive, CancellationToken cancel)
    {
        AdmittedSql admitted;
        using (var parser = store.Sandbox.Rent())
        {
            admitted = SqlGuard.Check(sql, parser);
        }

        var capped = $"SELECT * FROM ({admitted.Sql}) AS q LIMIT {options.MaxRows + 1}";
        return Execute(QueryBounds.All, null, admitted.Columns, includeArchive, capped, [], cancel, (reader, token) =>
        {
            var names = Enumerable.Range(0, reader.FieldCount).Select(i => new OutputColumn(reader.GetName(i), false)).ToList();
            return QueryAnswer.Table(names, ReadRows(reader, token), options.MaxRows);
        }, kindViews: true);
    }

    /// <summary>Runs generated SQL over the views and reads its rows (formulas).</summary>
    public List<object?[]> RunRows(string sql, IReadOnlyList<object> values, QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, CancellationToken cancel) =>
        Execute(bounds, predicate, columns, includeArchive, sql, values, cancel, ReadRows);

    private T Execute<T>(QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, string sql, IReadOnlyList<object> values,
        CancellationToken cancel, Func<DbDataReader, CancellationToken, T> read, bool kindViews = false) =>
        WithDeadline(cancel, token => RunOnViews(bounds, predicate, columns, includeArchive, sql, values, token, read, kindViews));

    /// <summary>Creates the views over the parts and the unsealed rows, runs the statement, reads it, drops the views.</summary>
    private T RunOnViews<T>(QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, string sql, IReadOnlyList<object> values,
        CancellationToken token, Func<DbDataReader, CancellationToken, T> read, bool kindViews)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var split = SealedSplit.Take(store);
        var parts = split.Lease.Manifest.Parts.Where(p => (includeArchive || p.Tier == PartTier.Partitions) && bounds.Admits(p)).ToList();
        using var connection = store.Sandbox.Rent();
        try
        {
            CreateViews(connection, parts, UnsealedRows(split.Chunks, split.Persisted, bounds, predicate), columns, kindViews);
            var prepared = System.Diagnostics.Stopwatch.GetTimestamp();
            using var command = connection.Command(sql, values);
            using var stop = token.Register(command.Cancel);
            try
            {
                using var reader = command.ExecuteReader();
                var result = read(reader, token);
                if (result is QueryAnswer answer)
                {
                    answer.Timings.PrepareMs = System.Diagnostics.Stopwatch.GetElapsedTime(started, prepared).TotalMilliseconds;
                    answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(prepared).TotalMilliseconds;
                }

                return result;
            }
            catch (DuckDBException e) when (!token.IsCancellationRequested)
            {
                throw new QueryFailedException(FirstLine(e.Message), e);
            }
        }
        finally
        {
            DropViews(connection);
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/> with a token that fires at <c>Query:TimeoutMs</c> or when the caller cancels; a
    /// run stopped by the deadline becomes <see cref="QueryTimeoutException"/>, one stopped by the caller stays a
    /// cancellation.
    /// </summary>
    private T WithDeadline<T>(CancellationToken cancel, Func<CancellationToken, T> run)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(options.TimeoutMs);
        try
        {
            return run(deadline.Token);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            cancel.ThrowIfCancellationRequested();
            throw new QueryTimeoutException(options.TimeoutMs);
        }
    }

    /// <summary>Rows above P that can match, in seq order, straight from the chunks' buffers.</summary>
    private static IEnumerable<(ReadOnlyMemory<byte>, long)> UnsealedRows(IReadOnlyList<HotChunk> chunks, long persisted, QueryBounds bounds, RowPredicate? predicate)
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

                var row = chunk.Data.AsMemory(entry.Offset, entry.Length);
                if (predicate is null || predicate.Matches(row))
                {
                    yield return (row, entry.Seq);
                }
            }
        }
    }

    private void CreateViews(DuckDbEngine.Connection connection, List<PartInfo> parts, IEnumerable<(ReadOnlyMemory<byte>, long)> hot, bool[] hotColumns, bool kindViews)
    {
        Exec(connection, $"CREATE OR REPLACE TEMP TABLE {HotRowsTable.Name} ({HotRowsTable.ColumnDefinitions(dialect.Identifier, hotColumns)})");
        using (var appender = connection.TempAppender(HotRowsTable.Name))
        {
            HotRowsTable.Append(appender, hot, hotColumns);
        }

        var columns = PartRowReader.SelectList(dialect);
        var memory = $"SELECT {HotRowsTable.SelectList(dialect.Identifier, hotColumns)} FROM {HotRowsTable.Name}";
        var events = parts.Count == 0 ? memory : $"SELECT {columns} FROM {dialect.Source([.. parts.Select(p => p.Path)])} UNION ALL {memory}";
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

    private static void DropViews(DuckDbEngine.Connection connection) =>
        Exec(connection, $"DROP VIEW IF EXISTS logs; DROP VIEW IF EXISTS traffic; DROP VIEW IF EXISTS {SqlCompiler.EventsView}; DROP TABLE IF EXISTS {HotRowsTable.Name};");

    private static void Exec(DuckDbEngine.Connection connection, string sql)
    {
        using var command = connection.Command(sql);
        command.ExecuteNonQuery();
    }

    private static List<object?[]> ReadRows(DbDataReader reader, CancellationToken cancel)
    {
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            cancel.ThrowIfCancellationRequested();
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
