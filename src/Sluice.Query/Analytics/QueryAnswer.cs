using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Search;

namespace Sluice.Query.Analytics;

/// <summary>
/// The answer of a language query or custom SQL: a table (<see cref="Columns"/>, <see cref="Rows"/>), a table a SQL
/// worker already wrote as JSON (<see cref="Rendered"/>) or, for a query that only filters, whole events. Dispose
/// it once written: events point into its row buffer.
/// </summary>
public sealed class QueryAnswer : IDisposable
{
    private readonly IDisposable? _owner;

    private QueryAnswer(IReadOnlyList<OutputColumn> columns, List<object?[]> rows, List<EventRow>? events, IDisposable? owner, TruncatedBy truncated)
    {
        Columns = columns;
        Rows = rows;
        Events = events;
        _owner = owner;
        TruncatedBy = truncated;
    }

    public IReadOnlyList<OutputColumn> Columns { get; }

    public List<object?[]> Rows { get; }

    /// <summary>Whole events, newest first, when the query had no table-making pipe; otherwise null.</summary>
    public List<EventRow>? Events { get; }

    /// <summary>A table written as JSON by a SQL worker (column names, rows as objects), or null.</summary>
    public RenderedTable? Rendered { get; private init; }

    /// <summary>Whether the answer holds only the first rows, and which cap cut it: <c>Query:MaxRows</c> or <c>Query:MaxAnswerMb</c>.</summary>
    public TruncatedBy TruncatedBy { get; }

    public bool Truncated => TruncatedBy != TruncatedBy.None;

    /// <summary>Where the time went.</summary>
    public QueryTimings Timings { get; } = new();

    /// <summary>Rows read with <see cref="AnswerRows.Read"/>: one past <paramref name="maxRows"/> tells that more matched.</summary>
    public static QueryAnswer Table(IReadOnlyList<OutputColumn> columns, AnswerRows rows, int maxRows)
    {
        var truncated = rows.CutByBytes ? TruncatedBy.Bytes : TruncatedBy.None;
        if (rows.List.Count > maxRows)
        {
            rows.List.RemoveRange(maxRows, rows.List.Count - maxRows);
            truncated = TruncatedBy.Rows;
        }

        return new QueryAnswer(columns, rows.List, null, null, truncated);
    }

    /// <summary>Events read by the engine; one row past <paramref name="maxRows"/> tells that more matched.</summary>
    public static QueryAnswer OfEvents(PartRowReader reader, int count, int maxRows)
    {
        var events = reader.Rows();
        var truncated = reader.CutByBytes ? TruncatedBy.Bytes : TruncatedBy.None;
        if (events.Count > maxRows)
        {
            events.RemoveRange(maxRows, events.Count - maxRows);
            truncated = TruncatedBy.Rows;
        }

        return new QueryAnswer([], [], events, reader, truncated);
    }

    /// <summary>Events found by search (a query that only filters); <paramref name="owner"/> keeps their rows readable.</summary>
    public static QueryAnswer OfSearch(List<EventRow> events, IDisposable owner, TruncatedBy truncated) => new([], [], events, owner, truncated);

    /// <summary>A table made here from other answers (the <c>patterns</c> pipe).</summary>
    public static QueryAnswer OfRows(IReadOnlyList<OutputColumn> columns, List<object?[]> rows, TruncatedBy truncated) => new(columns, rows, null, null, truncated);

    /// <summary>A table a SQL worker wrote.</summary>
    public static QueryAnswer OfRendered(RenderedTable table, TruncatedBy truncated) => new([], [], null, null, truncated) { Rendered = table };

    public void Dispose() => _owner?.Dispose();
}

/// <summary>Which cap cut an answer short.</summary>
public enum TruncatedBy : byte
{
    None = 0,

    /// <summary><c>Query:MaxRows</c>.</summary>
    Rows = 1,

    /// <summary><c>Query:MaxAnswerMb</c>.</summary>
    Bytes = 2,
}

/// <summary>A table as JSON: <see cref="ColumnsJson"/> an array of names, <see cref="RowsJson"/> an array of objects.</summary>
public sealed record RenderedTable(byte[] ColumnsJson, byte[] RowsJson, int RowCount);

/// <summary>
/// The phases of one run: <see cref="PrepareMs"/> leases the parts and copies unsealed rows into the engine behind
/// the views; <see cref="EngineMs"/> plans, scans and reads the answer.
/// </summary>
public sealed class QueryTimings
{
    public double PrepareMs { get; set; }

    public double EngineMs { get; set; }

    /// <summary>The answer came from the counts stored beside the parts (<see cref="StoredCounts"/>), not a scan.</summary>
    public bool FromStoredCounts { get; set; }
}

/// <summary>A query stopped by <c>Query:TimeoutMs</c>.</summary>
public sealed class QueryTimeoutException(int timeoutMs)
    : Exception($"the query ran longer than {timeoutMs} ms (Query:TimeoutMs) and was stopped")
{
    public int TimeoutMs { get; } = timeoutMs;
}

/// <summary>SQL or a query the engine refused while running it (a type error, an unknown column).</summary>
public sealed class QueryFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A query that needed more memory than its engine may use (<c>Storage:QueryMemoryMb</c>, <c>Query:SqlWorkerMemoryMb</c>).</summary>
public sealed class QueryMemoryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A query that cannot run here at all (custom SQL without its worker executable).</summary>
public sealed class QueryUnavailableException(string message) : Exception(message);
