using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query.Analytics;
using Sluice.Query.Analytics.Worker;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Search;
using Sluice.Query.Sql;
using Sluice.Query.Summaries;
using Sluice.Storage;
using Sluice.Storage.Summaries;

namespace Sluice.Query;

/// <summary>
/// The embedded engine: DuckDB over the sealed Parquet parts, plus the rows still in memory, each question reading
/// one <see cref="StorageSnapshot"/> of the store. It puts together the readers there are — search, summaries,
/// series, the language and custom SQL, formulas — behind <see cref="IQueryEngine"/>.
/// </summary>
public sealed class EmbeddedQueryEngine : IQueryEngine
{
    private readonly EventQueries _search;
    private readonly SummaryQueries _summaries;
    private readonly SummarySeriesQueries _series;
    private readonly AnalyticsQueries _analytics;

    /// <param name="workers">The processes custom SQL runs in.</param>
    /// <param name="templates">Pattern templates for <c>| patterns</c> answers, when pattern mining runs.</param>
    public EmbeddedQueryEngine(EventStore store, QueryOptions options, IClock clock, SqlWorkerPool workers, IPatternTemplates? templates = null)
    {
        var dialect = DuckDbDialect.Instance;
        _search = new EventQueries(store, dialect, options.MaxLimit);
        _summaries = new SummaryQueries(store, dialect);
        _series = new SummarySeriesQueries(store, dialect);
        _analytics = new AnalyticsQueries(store, _search, dialect, options, clock, workers, templates);
    }

    public long NowMs => _analytics.NowMs;

    public long SealedThroughMs() => _analytics.SealedThroughMs();

    public QueryResult<SearchPage> Search(SearchRequest request, bool includeArchive, CancellationToken cancel = default) =>
        _search.Search(request, includeArchive, cancel);

    public QueryResult<EventRow?> Find(string id, bool includeArchive) => _search.Find(id, includeArchive);

    public QueryResult<TraceEvents> Trace(string traceId, bool includeArchive, long maxBytes = long.MaxValue) =>
        _search.Trace(traceId, includeArchive, maxBytes);

    public PartSummary Summarize(EventKind kind, long startMs, long endMs, bool includeArchive, Filter? filter = null, long nowMs = 0) =>
        _summaries.Summarize(kind, startMs, endMs, includeArchive, filter, nowMs);

    public SummarySeries Series(EventKind kind, string field, long startMs, long endMs, long bucketMs) =>
        _series.Series(kind, field, startMs, endMs, bucketMs);

    public QueryAnswer Run(ParsedQuery query, QueryBounds within, bool includeArchive, CancellationToken cancel) =>
        _analytics.Run(query, within, includeArchive, cancel);

    public QueryAnswer RunSql(string sql, bool includeArchive, CancellationToken cancel) => _analytics.RunSql(sql, includeArchive, cancel);

    public FormulaResult Formula(string formula, long startMs, long endMs, long? bucketMs, Filter? scope, bool includeArchive, CancellationToken cancel) =>
        new FormulaEngine(_analytics).Execute(formula, startMs, endMs, bucketMs, scope, includeArchive, cancel);
}
