using Sluice.Query.Language;
using Sluice.Query.Partitions;
using Sluice.Query.Search;

namespace Sluice.Query.Analytics;

/// <summary>
/// The answer of a language query or custom SQL: a table (<see cref="Columns"/>, <see cref="Rows"/>) or, for a
/// query that only filters, whole events. Dispose it once written: events point into its row buffer.
/// </summary>
public sealed class QueryAnswer : IDisposable
{
    private readonly IDisposable? _owner;

    private QueryAnswer(IReadOnlyList<OutputColumn> columns, List<object?[]> rows, List<EventRow>? events, IDisposable? owner, bool truncated)
    {
        Columns = columns;
        Rows = rows;
        Events = events;
        _owner = owner;
        Truncated = truncated;
    }

    public IReadOnlyList<OutputColumn> Columns { get; }

    public List<object?[]> Rows { get; }

    /// <summary>Whole events, newest first, when the query had no table-making pipe; otherwise null.</summary>
    public List<EventRow>? Events { get; }

    /// <summary>More rows matched than <c>Query:MaxRows</c>; the answer holds the first of them.</summary>
    public bool Truncated { get; }

    /// <summary>Where the time went.</summary>
    public QueryTimings Timings { get; } = new();

    public static QueryAnswer Table(IReadOnlyList<OutputColumn> columns, List<object?[]> rows, int maxRows)
    {
        var truncated = rows.Count > maxRows;
        if (truncated)
        {
            rows.RemoveRange(maxRows, rows.Count - maxRows);
        }

        return new QueryAnswer(columns, rows, null, null, truncated);
    }

    /// <summary>Events read by the engine; one row past <paramref name="maxRows"/> tells that more matched.</summary>
    public static QueryAnswer OfEvents(PartRowReader reader, int count, int maxRows)
    {
        var events = reader.Rows();
        if (count > maxRows)
        {
            events.RemoveRange(maxRows, events.Count - maxRows);
        }

        return new QueryAnswer([], [], events, reader, count > maxRows);
    }

    /// <summary>Events found by search (a query that only filters); <paramref name="owner"/> keeps their rows readable.</summary>
    public static QueryAnswer OfSearch(List<EventRow> events, IDisposable owner, bool truncated) => new([], [], events, owner, truncated);

    public void Dispose() => _owner?.Dispose();
}

/// <summary>
/// The phases of one run: <see cref="PrepareMs"/> leases the parts and copies unsealed rows into the engine behind
/// the views; <see cref="EngineMs"/> plans, scans and reads the answer.
/// </summary>
public sealed class QueryTimings
{
    public double PrepareMs { get; set; }

    public double EngineMs { get; set; }
}

/// <summary>A query stopped by <c>Query:TimeoutMs</c>.</summary>
public sealed class QueryTimeoutException(int timeoutMs)
    : Exception($"the query ran longer than {timeoutMs} ms (Query:TimeoutMs) and was stopped")
{
    public int TimeoutMs { get; } = timeoutMs;
}

/// <summary>SQL or a query the engine refused while running it (a type error, an unknown column).</summary>
public sealed class QueryFailedException(string message, Exception inner) : Exception(message, inner);
