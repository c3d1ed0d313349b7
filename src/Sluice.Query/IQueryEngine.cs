using Sluice.Core.Events;
using Sluice.Query.Analytics;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Search;
using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.Query;

/// <summary>
/// The query side's door: every question the server and the analysis jobs ask of stored events, whichever engine
/// answers it. <see cref="EmbeddedQueryEngine"/> (DuckDB over the parts, plus the rows in memory) is the one there is;
/// a second engine (ClickHouse) implements the same. Results that hold rows are disposed once written.
/// </summary>
public interface IQueryEngine
{
    /// <summary>The engine's clock, epoch ms: what relative times (<c>_time:1h</c>) count back from.</summary>
    long NowMs { get; }

    /// <summary>The time before which every stored event is in its final place: an answer over a range ending by then may be cached.</summary>
    long SealedThroughMs();

    /// <summary>One page of events matching a search, and the cursor of the next.</summary>
    /// <param name="cancel">Interrupts the engine (a deadline, or a caller that went away).</param>
    QueryResult<SearchPage> Search(SearchRequest request, bool includeArchive, CancellationToken cancel = default);

    /// <summary>The newest event with this id, or null.</summary>
    QueryResult<EventRow?> Find(string id, bool includeArchive);

    /// <summary>Every event of a trace, oldest first, at most <paramref name="maxBytes"/> of them.</summary>
    QueryResult<TraceEvents> Trace(string traceId, bool includeArchive, long maxBytes = long.MaxValue);

    /// <summary>Counts of one kind's events in a range, by level, service and the other summarised fields.</summary>
    /// <param name="filter">A query-language filter the events must pass; <paramref name="nowMs"/> is its clock.</param>
    PartSummary Summarize(EventKind kind, long startMs, long endMs, bool includeArchive, Filter? filter = null, long nowMs = 0);

    /// <summary>Counts of one summarised field per time bucket, value by value (warm parts only).</summary>
    SummarySeries Series(EventKind kind, string field, long startMs, long endMs, long bucketMs);

    /// <summary>Runs a parsed query-language query; <paramref name="within"/> narrows it to a time range.</summary>
    QueryAnswer Run(ParsedQuery query, QueryBounds within, bool includeArchive, CancellationToken cancel);

    /// <summary>Runs read-only SQL a user wrote over the <c>events</c>, <c>logs</c> and <c>traffic</c> views.</summary>
    QueryAnswer RunSql(string sql, bool includeArchive, CancellationToken cancel);

    /// <summary>Evaluates a formula over a range, as one value or, with <paramref name="bucketMs"/>, a series.</summary>
    FormulaResult Formula(string formula, long startMs, long endMs, long? bucketMs, Filter? scope, bool includeArchive, CancellationToken cancel);
}
