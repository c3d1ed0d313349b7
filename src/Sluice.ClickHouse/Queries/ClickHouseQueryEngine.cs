using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Formulas;
using Sluice.Query.Language;
using Sluice.Query.Search;
using Sluice.Query.Summaries;
using Sluice.Storage.Summaries;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// Answers every question of <see cref="IQueryEngine"/> from ClickHouse — every node's events — with the answers the
/// embedded engine gives for the same events: the same SQL compiler and formula engine through
/// <see cref="ClickHouseSqlDialect"/>, the same row rebuilding, caps and errors. Custom SQL runs sandboxed as
/// <c>ClickHouse:ReadUser</c> within <c>SqlMaxSeconds</c>, <c>SqlMaxMemoryMb</c> and <c>Query:MaxRows</c>.
/// ClickHouse holds every retained event, so <c>includeArchive</c> changes nothing here (docs/design.md §13).
/// </summary>
public sealed class ClickHouseQueryEngine : IQueryEngine, IDisposable
{
    private readonly ClickHouseOptions _options;
    private readonly IClock _clock;
    private readonly ClickHouseClient _generated;
    private readonly ClickHouseClient? _sandboxed;
    private readonly ClickHouseEventReads _events;
    private readonly ClickHouseSummaries _summaries;
    private readonly ClickHouseAnalytics _analytics;
    private readonly ClickHouseStatements? _custom;
    private readonly long _maxAnswerBytes;

    public ClickHouseQueryEngine(ClickHouseStore store, ClickHouseOptions options, QueryOptions queryOptions, IClock clock)
    {
        _options = options;
        _clock = clock;
        _maxAnswerBytes = queryOptions.MaxAnswerMb * 1024L * 1024;
        var dialect = new ClickHouseSqlDialect(store.Database);

        // Sluice's own queries: its user and breaker, cut by ClickHouse at Query:TimeoutMs (the client waits a little longer to hear why).
        var seconds = Math.Max(1, (queryOptions.TimeoutMs + 999) / 1000);
        _generated = new ClickHouseClient(options.Url, options.User, options.Password, TimeSpan.FromSeconds(seconds + 5), store.Breaker);
        var generated = new ClickHouseStatements(_generated, ClickHouseStatements.Settings(("max_execution_time", seconds)),
            queryOptions.TimeoutMs, queryOptions.MaxRows, "the ClickHouse user's max_memory_usage", MaxAnswerText(queryOptions));
        _events = new ClickHouseEventReads(generated, dialect, store, queryOptions.MaxLimit);
        _summaries = new ClickHouseSummaries(generated, dialect, store);
        _analytics = new ClickHouseAnalytics(generated, dialect, queryOptions, clock);

        if (options.ReadUser.Length > 0)
        {
            // A user's SQL: the read-only user, outside the breaker (its faults are its own), inside the sandbox's limits.
            _sandboxed = new ClickHouseClient(options.Url, options.ReadUser, options.ReadPassword, TimeSpan.FromSeconds(options.SqlMaxSeconds + 5), breaker: null);
            _custom = new ClickHouseStatements(_sandboxed, ClickHouseSandbox.Settings(options, queryOptions),
                options.SqlMaxSeconds * 1000, queryOptions.MaxRows, $"ClickHouse:SqlMaxMemoryMb = {options.SqlMaxMemoryMb}", MaxAnswerText(queryOptions));
        }

        Database = store.Database;
    }

    private string Database { get; }

    public long NowMs => _clock.UnixMilliseconds;

    /// <summary>
    /// Nodes ship events within their linger, and a node that was cut off ships later still; events older than the
    /// local window (or two lingers, without one) are taken as in place.
    /// </summary>
    public long SealedThroughMs() => NowMs - Math.Max(_options.LocalWindowMinutes * 60_000L, 2L * _options.LingerMs);

    public QueryResult<SearchPage> Search(SearchRequest request, bool includeArchive, CancellationToken cancel = default) => _events.Search(request, cancel);

    public QueryResult<EventRow?> Find(string id, bool includeArchive) => _events.Find(id);

    public QueryResult<TraceEvents> Trace(string traceId, bool includeArchive, long maxBytes = long.MaxValue) => _events.Trace(traceId, maxBytes);

    public PartSummary Summarize(EventKind kind, long startMs, long endMs, bool includeArchive, Filter? filter = null, long nowMs = 0) =>
        _summaries.Summarize(kind, startMs, endMs, filter, nowMs);

    public SummarySeries Series(EventKind kind, string field, long startMs, long endMs, long bucketMs) =>
        _summaries.Series(kind, field, startMs, endMs, bucketMs);

    public QueryAnswer Run(ParsedQuery query, QueryBounds within, bool includeArchive, CancellationToken cancel) => _analytics.Run(query, within, cancel);

    public QueryAnswer RunSql(string sql, bool includeArchive, CancellationToken cancel)
    {
        if (_custom is null)
        {
            throw new QueryUnavailableException("custom SQL on ClickHouse runs as a read-only user, and ClickHouse:ReadUser names none");
        }

        var admitted = ClickHouseSqlGuard.Check(sql, Database);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var reader = new ClickHouseRowsReader(_custom.Query(admitted, cancel));
        var columns = Enumerable.Range(0, reader.FieldCount).Select(i => new OutputColumn(reader.GetName(i), false)).ToList();
        // ClickHouse refused more than Query:MaxRows rows already; Query:MaxAnswerMb cuts the answer as it does the embedded one's.
        var answer = QueryAnswer.Table(columns, AnswerRows.Read(reader, int.MaxValue - 1, _maxAnswerBytes, cancel), int.MaxValue - 1);
        answer.Timings.EngineMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return answer;
    }

    public FormulaResult Formula(string formula, long startMs, long endMs, long? bucketMs, Filter? scope, bool includeArchive, CancellationToken cancel) =>
        new FormulaEngine(_analytics).Execute(formula, startMs, endMs, bucketMs, scope, includeArchive, cancel);

    public void Dispose()
    {
        _generated.Dispose();
        _sandboxed?.Dispose();
    }

    /// <summary>Most answer text read from ClickHouse for one question: twice <c>Query:MaxAnswerMb</c>.</summary>
    private static long MaxAnswerText(QueryOptions options) => 2L * options.MaxAnswerMb * 1024 * 1024;
}
