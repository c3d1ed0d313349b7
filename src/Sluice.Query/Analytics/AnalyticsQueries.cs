using System.Data.Common;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query.Analytics.Worker;
using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Search;
using Sluice.Query.Sql;
using Sluice.Query.Summaries;
using Sluice.Storage;
using Sluice.Storage.Engine;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Runs language queries, custom SQL and formulas over three views — <c>events</c>, <c>logs</c>, <c>traffic</c> —
/// that join the sealed parts (events ≤ the manifest's persisted seq P) with the rows above P copied from memory,
/// both from one <see cref="StorageSnapshot"/>, as for summaries, so every event is read once. SQL that Sluice generates
/// (the language, formulas) runs on the sandboxed engine in this process; SQL a user wrote runs in a SQL worker
/// process (<see cref="SqlWorkerPool"/>), where the kernel caps its memory. Each run has a deadline
/// (<c>Query:TimeoutMs</c>), stops when its caller cancels, and reads at most <c>Query:MaxAnswerMb</c> of answer.
/// </summary>
public sealed class AnalyticsQueries(EventStore store, EventQueries search, ISqlDialect dialect, QueryOptions options, IClock clock, SqlWorkerPool workers, IPatternTemplates? templates = null) : Formulas.IFormulaRows
{
    private readonly SqlVerdicts _verdicts = new();

    private long MaxAnswerBytes => options.MaxAnswerMb * 1024L * 1024;

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
        using var snapshot = store.OpenSnapshot();
        var persisted = snapshot.Persisted;
        var earliest = NowMs;
        foreach (var chunk in snapshot.Chunks)
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

        if (query.Pipes is [PatternsPipe patterns, ..])
        {
            return PatternAnswers.Run(this, query, patterns, templates, now, includeArchive, cancel);
        }

        if (query.Pipes.All(p => p is LimitPipe))
        {
            return Search(query, includeArchive, now, cancel);
        }

        if (StoredCounts.TryAnswer(query, now, new SummaryQueries(store, dialect), includeArchive, options.MaxRows) is { } stored)
        {
            return stored;
        }

        if (StoredDetailCounts.TryAnswer(query, now, new DetailQueries(store, dialect), includeArchive, options.MaxRows) is { } detailed)
        {
            return detailed;
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
                var count = events.ReadAll(reader, token, MaxAnswerBytes);
                return QueryAnswer.OfEvents(events, count, options.MaxRows);
            }

            return QueryAnswer.Table(compiled.Columns, AnswerRows.Read(reader, options.MaxRows, MaxAnswerBytes, token), options.MaxRows);
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
            MaxBytes = MaxAnswerBytes,
        };
        var result = WithDeadline(cancel, token => search.Search(request, includeArchive, token));

        var truncated = result.Value.CutByBytes ? TruncatedBy.Bytes
            : result.Value.Next is not null && asked > options.MaxRows ? TruncatedBy.Rows : TruncatedBy.None;
        var answer = QueryAnswer.OfSearch([.. result.Value.Rows], result, truncated);
        answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return answer;
    }

    /// <summary>
    /// Runs custom SQL after <see cref="SqlGuard"/> admitted it, in a SQL worker process: the unsealed rows are
    /// streamed to it while the parts it reads stay leased here; the answer comes back rendered and capped at
    /// <c>Query:MaxRows</c> and <c>Query:MaxAnswerMb</c>. At the deadline the worker is killed, so the deadline holds.
    /// </summary>
    public QueryAnswer RunSql(string sql, bool includeArchive, CancellationToken cancel)
    {
        if (!workers.Available)
        {
            throw new QueryUnavailableException("custom SQL needs the sluice executable beside the server (it runs each statement in a worker process), and it is not there");
        }

        using var snapshot = store.OpenSnapshot();
        var known = _verdicts.Find(sql);
        var read = known?.Read;
        if (read is null)
        {
            using var parser = snapshot.Sandbox.Rent();
            read = SqlGuard.Read(sql, parser);
            _verdicts.Remember(sql, read, null);
        }

        // The stored counts never run the statement, so it need not be printed back (two of the guard's three engine calls).
        if (read.CountShape is { } shape && !store.HasWeightedEvents
            && SqlStoredCounts.TryAnswer(shape, read.Scope, new SummaryQueries(store, dialect), includeArchive, options.MaxRows, MaxAnswerBytes) is { } stored)
        {
            return stored;
        }

        if (read.BinShape is { } bins && !store.HasWeightedEvents
            && SqlStoredBins.TryAnswer(bins, read.Scope, new DetailQueries(store, dialect), includeArchive, options.MaxRows, MaxAnswerBytes) is { } binned)
        {
            return binned;
        }

        if (read.WithinShape is { } within && !store.HasWeightedEvents
            && SqlStoredWithin.TryAnswer(within, read.Scope, new DetailQueries(store, dialect), includeArchive, options.MaxRows, MaxAnswerBytes) is { } counted)
        {
            return counted;
        }

        var admitted = known?.Admitted;
        if (admitted is null)
        {
            using var parser = snapshot.Sandbox.Rent();
            admitted = SqlGuard.Admit(read, parser);
            _verdicts.Remember(sql, read, admitted);
        }

        return WithDeadline(cancel, token =>
        {
            // Only the parts and unsealed rows the statement can see (SqlScope proves which); all of them otherwise.
            var scope = admitted.Scope.Bounds;
            var parts = snapshot.Parts.Where(p => (includeArchive || p.Tier == PartTier.Partitions) && scope.Admits(p)).Select(p => new ViewPart(p.Path, p.Kind)).ToList();
            var request = new SqlWorkerRequest(admitted.Sql, parts, admitted.Columns, options.MaxRows, MaxAnswerBytes);
            SqlWorkerReply reply;
            try
            {
                reply = workers.Run(request, AnalyticsViews.UnsealedRows(snapshot.Chunks, snapshot.Persisted, scope, null), token);
            }
            catch (SqlWorkerLostException e) when (!token.IsCancellationRequested)
            {
                throw new QueryMemoryException(e.Message, e);
            }

            return reply.Status switch
            {
                SqlWorkerStatus.Answered => Timed(QueryAnswer.OfRendered(new RenderedTable(reply.ColumnsJson, reply.RowsJson, reply.RowCount), reply.Truncated), reply),
                SqlWorkerStatus.Refused => throw new QueryFailedException(reply.Message),
                SqlWorkerStatus.OutOfMemory => throw new QueryMemoryException(MemoryMessage($"Query:SqlWorkerMemoryMb = {options.SqlWorkerMemoryMb}", reply.Message)),
                _ => throw new InvalidOperationException("the SQL worker failed: " + reply.Message),
            };
        });

        static QueryAnswer Timed(QueryAnswer answer, SqlWorkerReply reply)
        {
            answer.Timings.PrepareMs = reply.PrepareMs;
            answer.Timings.EngineMs = reply.EngineMs;
            return answer;
        }
    }

    /// <summary>Runs generated SQL over the views and reads its rows (formulas).</summary>
    public List<object?[]> RunRows(string sql, IReadOnlyList<object> values, QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, CancellationToken cancel) =>
        Execute(bounds, predicate, columns, includeArchive, sql, values, cancel, (reader, token) => AnswerRows.Read(reader, int.MaxValue - 1, MaxAnswerBytes, token).List);

    private T Execute<T>(QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, string sql, IReadOnlyList<object> values,
        CancellationToken cancel, Func<DbDataReader, CancellationToken, T> read) =>
        WithDeadline(cancel, token => RunOnViews(bounds, predicate, columns, includeArchive, sql, values, token, read));

    /// <summary>Creates the views over the parts and the unsealed rows (or keeps the same ones), runs the statement, reads it, drops views that hold unsealed rows.</summary>
    private T RunOnViews<T>(QueryBounds bounds, RowPredicate? predicate, bool[] columns, bool includeArchive, string sql, IReadOnlyList<object> values,
        CancellationToken token, Func<DbDataReader, CancellationToken, T> read)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var snapshot = store.OpenSnapshot();
        var parts = snapshot.Parts.Where(p => (includeArchive || p.Tier == PartTier.Partitions) && bounds.Admits(p) && bounds.AdmitsText(p, snapshot)).Select(p => p.Path).ToList();
        using var connection = snapshot.Sandbox.Rent();
        string? keep = null;
        try
        {
            keep = AnalyticsViews.CreateOrKeep(connection, dialect, parts, AnalyticsViews.UnsealedRows(snapshot.Chunks, snapshot.Persisted, bounds, predicate), columns);
            var prepared = System.Diagnostics.Stopwatch.GetTimestamp();
            using var command = connection.Command(sql, values);
            command.UseStreamingMode = true; // rows are made as they are read: the answer's caps also stop the engine
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
            catch (DuckDBException e) when (!token.IsCancellationRequested && e.ErrorType == DuckDBErrorType.OutOfMemory)
            {
                throw new QueryMemoryException(MemoryMessage("Storage:QueryMemoryMb", EngineMessage.Of(e.Message, store.Roots)), e);
            }
            catch (DuckDBException e) when (!token.IsCancellationRequested)
            {
                throw new QueryFailedException(EngineMessage.Of(e.Message, store.Roots), e);
            }
        }
        finally
        {
            AnalyticsViews.Release(connection, keep);
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

    private static string MemoryMessage(string cap, string engine) =>
        $"the query needs more memory than its engine may use ({cap}): {engine}; narrow the time range or aggregate more";
}
