using Polly.CircuitBreaker;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Search;
using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// The engine the API asks when ClickHouse is configured: a question reaching further back than the local window
/// (or any question, with a window of 0, as when several nodes share the store) is answered by ClickHouse, which
/// holds every node's events; one lying wholly inside the window is answered by this node's embedded engine, which
/// has its own freshest events before they are shipped. The read-path flag sends everything to the local engine at
/// once, and so does ClickHouse being away (its breaker open or a call failing for want of it): the answer is then
/// this node's own, and <see cref="Fallbacks"/> counts it.
/// </summary>
public sealed class RoutedQueryEngine(IQueryEngine local, IQueryEngine clickHouse, ReadPathSwitch readPath, DependencyBreaker breaker, long localWindowMs) : IQueryEngine
{
    private long _remote;
    private long _fallbacks;
    private bool _lastFellBack;

    /// <summary>Questions ClickHouse answered.</summary>
    public long RemoteAnswers => Interlocked.Read(ref _remote);

    /// <summary>Questions meant for ClickHouse that the local engine answered because ClickHouse was away.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    /// <summary>Whether ClickHouse is treated as away now (its breaker open): questions for it go to this node.</summary>
    public bool ClickHouseAway => breaker.State == BreakerState.Open;

    /// <summary>Whether answers meant for ClickHouse are this node's own now: its breaker is open, or the last such question fell back.</summary>
    public bool FallingBack => ClickHouseAway || Volatile.Read(ref _lastFellBack);

    public long NowMs => local.NowMs;

    /// <summary>
    /// Answers read from ClickHouse change as other nodes' events arrive (a node may ship a backlog after an outage),
    /// so nothing read there counts as final: no answer is cached while ClickHouse serves reads.
    /// </summary>
    public long SealedThroughMs() => readPath.Reads == ReadPath.ClickHouse ? long.MinValue : local.SealedThroughMs();

    public QueryResult<SearchPage> Search(SearchRequest request, bool includeArchive, CancellationToken cancel = default) =>
        Route(request.StartMs, e => e.Search(request, includeArchive, cancel));

    /// <summary>This node's own event first (it may not be shipped yet), then every node's.</summary>
    public QueryResult<EventRow?> Find(string id, bool includeArchive)
    {
        var mine = local.Find(id, includeArchive);
        if (mine.Value is not null || readPath.Reads == ReadPath.Local)
        {
            return mine;
        }

        mine.Dispose();
        return Route(null, e => e.Find(id, includeArchive));
    }

    /// <summary>A trace spans nodes, so ClickHouse answers it; until its events are shipped, this node's own do.</summary>
    public QueryResult<TraceEvents> Trace(string traceId, bool includeArchive, long maxBytes = long.MaxValue)
    {
        var shared = Route(null, e => e.Trace(traceId, includeArchive, maxBytes));
        if (shared.Value.Rows.Count > 0 || readPath.Reads == ReadPath.Local)
        {
            return shared;
        }

        shared.Dispose();
        return local.Trace(traceId, includeArchive, maxBytes);
    }

    public PartSummary Summarize(EventKind kind, long startMs, long endMs, bool includeArchive, Filter? filter = null, long nowMs = 0) =>
        Route(startMs, e => e.Summarize(kind, startMs, endMs, includeArchive, filter, nowMs));

    public SummarySeries Series(EventKind kind, string field, long startMs, long endMs, long bucketMs) =>
        Route(startMs, e => e.Series(kind, field, startMs, endMs, bucketMs));

    public QueryAnswer Run(ParsedQuery query, QueryBounds within, bool includeArchive, CancellationToken cancel)
    {
        var start = QueryBounds.Of(query.Filter, NowMs).Within(within.Start, within.End).Start;
        return Route(start == long.MinValue ? null : start, e => e.Run(query, within, includeArchive, cancel));
    }

    /// <summary>Custom SQL names no range, so it reads every node's events: ClickHouse, in its sandbox.</summary>
    public QueryAnswer RunSql(string sql, bool includeArchive, CancellationToken cancel) =>
        Route(null, e => e.RunSql(sql, includeArchive, cancel));

    public FormulaResult Formula(string formula, long startMs, long endMs, long? bucketMs, Filter? scope, bool includeArchive, CancellationToken cancel) =>
        Route(startMs, e => e.Formula(formula, startMs, endMs, bucketMs, scope, includeArchive, cancel));

    /// <summary>Whether a question starting at <paramref name="startMs"/> (null: unbounded) goes to ClickHouse.</summary>
    public bool ReadsClickHouse(long? startMs) =>
        readPath.Reads == ReadPath.ClickHouse && (localWindowMs <= 0 || startMs is not { } start || start < local.NowMs - localWindowMs);

    private T Route<T>(long? startMs, Func<IQueryEngine, T> ask)
    {
        if (!ReadsClickHouse(startMs))
        {
            return ask(local);
        }

        if (ClickHouseAway)
        {
            return FallBack(ask);
        }

        try
        {
            var answer = ask(clickHouse);
            Interlocked.Increment(ref _remote);
            Volatile.Write(ref _lastFellBack, false);
            return answer;
        }
        catch (Exception e) when (IsAway(e))
        {
            return FallBack(ask);
        }
    }

    private T FallBack<T>(Func<IQueryEngine, T> ask)
    {
        Interlocked.Increment(ref _fallbacks);
        Volatile.Write(ref _lastFellBack, true);
        return ask(local);
    }

    /// <summary>ClickHouse could not be reached or cannot answer this kind of question; a fault in the question itself is the caller's.</summary>
    private static bool IsAway(Exception e) => e switch
    {
        BrokenCircuitException => true,
        QueryUnavailableException => true, // unreachable, or a question only the node can answer (| patterns)
        ClickHouseException { IsStatementError: false } => true,
        AggregateException { InnerException: { } inner } => IsAway(inner),
        _ => e.InnerException is { } inner && IsAway(inner),
    };
}
