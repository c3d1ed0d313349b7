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
    private readonly PartRowReader? _events;

    private QueryAnswer(IReadOnlyList<OutputColumn> columns, List<object?[]> rows, PartRowReader? events, bool truncated)
    {
        Columns = columns;
        Rows = rows;
        _events = events;
        Events = events?.Rows();
        Truncated = truncated;
        if (Events is not null && truncated)
        {
            Events.RemoveAt(Events.Count - 1);
        }
    }

    public IReadOnlyList<OutputColumn> Columns { get; }

    public List<object?[]> Rows { get; }

    /// <summary>Whole events, newest first, when the query had no table-making pipe; otherwise null.</summary>
    public List<EventRow>? Events { get; }

    /// <summary>More rows matched than <c>Query:MaxRows</c>; the answer holds the first of them.</summary>
    public bool Truncated { get; }

    public static QueryAnswer Table(IReadOnlyList<OutputColumn> columns, List<object?[]> rows, int maxRows)
    {
        var truncated = rows.Count > maxRows;
        if (truncated)
        {
            rows.RemoveRange(maxRows, rows.Count - maxRows);
        }

        return new QueryAnswer(columns, rows, null, truncated);
    }

    public static QueryAnswer OfEvents(PartRowReader events, int count, int maxRows) => new([], [], events, count > maxRows);

    public void Dispose() => _events?.Dispose();
}

/// <summary>A query stopped by <c>Query:TimeoutMs</c>.</summary>
public sealed class QueryTimeoutException(int timeoutMs)
    : Exception($"the query ran longer than {timeoutMs} ms (Query:TimeoutMs) and was stopped")
{
    public int TimeoutMs { get; } = timeoutMs;
}

/// <summary>SQL or a query the engine refused while running it (a type error, an unknown column).</summary>
public sealed class QueryFailedException(string message, Exception inner) : Exception(message, inner);
