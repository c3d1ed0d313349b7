namespace Sluice.Query.Language;

/// <summary>A parsed query: an optional filter, then pipes applied in order (docs/query.md).</summary>
public sealed record ParsedQuery(Filter? Filter, IReadOnlyList<Pipe> Pipes)
{
    /// <summary>The 1-based character of the first <c>|</c>, for errors about the pipes as a whole; 0 when built in code.</summary>
    public int PipesAt { get; init; }

    /// <summary>The 1-based character of each pipe's <c>|</c>, for errors found when the pipe is compiled.</summary>
    public IReadOnlyList<int> PipePositions { get; init; } = [];
}

/// <summary>A condition on one event.</summary>
public abstract record Filter;

public sealed record AndFilter(Filter Left, Filter Right) : Filter;

public sealed record OrFilter(Filter Left, Filter Right) : Filter;

public sealed record NotFilter(Filter Inner) : Filter;

/// <summary>Case-insensitive substring of the message: a bare word or a quoted phrase.</summary>
public sealed record TextFilter(string Text) : Filter;

/// <summary>
/// <c>field:value</c> and its forms. For <see cref="MatchOp.Wildcard"/> the value is a pattern in which <c>*</c>
/// is any run of characters and <c>\*</c>, <c>\\</c> stand for themselves (<see cref="WildcardPattern"/>).
/// </summary>
public sealed record FieldFilter(QueryField Field, MatchOp Op, string Value) : Filter;

/// <summary>
/// <c>_time:1h</c> (the last hour before the query runs) or <c>_time:[start, end]</c>; an absolute range is
/// half-open, <see cref="EndMs"/> exclusive.
/// </summary>
public sealed record TimeFilter(long? LastMs, long StartMs, long EndMs) : Filter
{
    public static TimeFilter Last(long milliseconds) => new(milliseconds, 0, 0);

    public static TimeFilter Between(long startMs, long endMs) => new(null, startMs, endMs);

    /// <summary>The range this filter covers when the query runs at <paramref name="nowMs"/>.</summary>
    public (long Start, long End) Resolve(long nowMs) => LastMs is { } last ? (nowMs - last, nowMs + 1) : (StartMs, EndMs);
}

public enum MatchOp
{
    Equal,
    Wildcard,
    Exists,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>A step after the filter.</summary>
public abstract record Pipe;

/// <summary><c>stats count() as n, avg(risk) by (service, bin(5m))</c>.</summary>
public sealed record StatsPipe(IReadOnlyList<Aggregate> Aggregates, IReadOnlyList<GroupKey> By) : Pipe;

/// <summary><c>top 10 country</c>: the most frequent values with their counts.</summary>
public sealed record TopPipe(int Count, QueryField Field) : Pipe;

public sealed record SortPipe(IReadOnlyList<SortKey> Keys) : Pipe;

public sealed record LimitPipe(int Count) : Pipe;

public sealed record FieldsPipe(IReadOnlyList<QueryField> Fields) : Pipe;

/// <summary>
/// <c>patterns</c>: the log patterns of the matching events with their counts, most frequent first; <c>patterns diff
/// [k]</c> compares the query's range with the range of equal length before it and lists new and gone patterns and
/// those whose count changed by a factor of <see cref="ShiftFactor"/> or more (docs/query.md).
/// </summary>
public sealed record PatternsPipe(bool Diff, double ShiftFactor) : Pipe
{
    public const double DefaultShiftFactor = 2;
}

/// <summary>
/// One aggregate of <c>stats</c>. <see cref="Field"/> is null only for <c>count()</c>; <see cref="Quantile"/> only
/// for <c>quantile</c>. <see cref="Name"/> is the output column: given with <c>as</c> or derived.
/// </summary>
public sealed record Aggregate(AggregateFunction Function, QueryField? Field, double? Quantile, string Name)
{
    public static string DefaultName(AggregateFunction function, QueryField? field, double? quantile) => function switch
    {
        AggregateFunction.Count when field is null => "count",
        AggregateFunction.Quantile => $"p{Durations.Number(quantile!.Value * 100)}_{field!.Name}",
        _ => $"{Names.Of(function)}_{field!.Name}",
    };
}

public enum AggregateFunction
{
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    Quantile,
}

/// <summary>A <c>by</c> key: a field, or <c>bin(5m)</c> — the event time rounded down to the bin (column <c>_time</c>).</summary>
public sealed record GroupKey(QueryField? Field, long BinMs)
{
    public const string TimeColumn = "_time";

    public string Name => Field?.Name ?? TimeColumn;
}

/// <summary>A sort key: an output column by name.</summary>
public sealed record SortKey(string Column, bool Descending);

/// <summary>The language's spelling of each aggregate function.</summary>
public static class Names
{
    public static string Of(AggregateFunction function) => function switch
    {
        AggregateFunction.Count => "count",
        AggregateFunction.CountDistinct => "count_distinct",
        AggregateFunction.Sum => "sum",
        AggregateFunction.Avg => "avg",
        AggregateFunction.Min => "min",
        AggregateFunction.Max => "max",
        AggregateFunction.Quantile => "quantile",
        _ => throw new ArgumentOutOfRangeException(nameof(function)),
    };

    public static bool TryParse(string name, out AggregateFunction function)
    {
        foreach (var candidate in Enum.GetValues<AggregateFunction>())
        {
            if (string.Equals(Of(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                function = candidate;
                return true;
            }
        }

        function = default;
        return false;
    }
}
