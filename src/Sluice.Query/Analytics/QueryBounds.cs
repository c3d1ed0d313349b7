using Sluice.Core.Events;
using Sluice.Query.Language;
using Sluice.Storage;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// What a filter implies about every event it can match — a time range and possibly a kind — read off its top-level
/// AND terms. Used only to skip parts and hot chunks that cannot match; the filter itself still decides.
/// </summary>
public readonly record struct QueryBounds(long Start, long End, EventKind? Kind)
{
    public static readonly QueryBounds All = new(long.MinValue, long.MaxValue, null);

    /// <summary>
    /// Trigram codes that every match's message must contain, one array per text term ANDed at the top (from
    /// <see cref="TextTrigrams.NeedleCodes"/>): parts whose text index lacks one are skipped. Null when there is none.
    /// </summary>
    public IReadOnlyList<int[]>? RequiredText { get; init; }

    /// <summary>Whether the part's text index (read from its stats) allows a match; any doubt admits it.</summary>
    public bool AdmitsText(PartInfo part, StorageSnapshot snapshot) => TextIndex.MayMatch(part, snapshot, RequiredText);

    public static QueryBounds Of(Filter? filter, long nowMs)
    {
        var bounds = All;
        Narrow(filter, nowMs, ref bounds);
        return bounds;
    }

    /// <summary>Whether the filter's meaning moves with the clock (<c>_time:1h</c> anywhere in it): its answers are never cached.</summary>
    public static bool DependsOnClock(Filter filter) => filter switch
    {
        TimeFilter time => time.LastMs is not null,
        AndFilter and => DependsOnClock(and.Left) || DependsOnClock(and.Right),
        OrFilter or => DependsOnClock(or.Left) || DependsOnClock(or.Right),
        NotFilter not => DependsOnClock(not.Inner),
        _ => false,
    };

    public QueryBounds Within(long? start, long? end) =>
        this with { Start = Math.Max(Start, start ?? long.MinValue), End = Math.Min(End, end ?? long.MaxValue) };

    public bool Admits(PartInfo part) =>
        part.MaxTimestamp >= Start && part.MinTimestamp < End && (Kind is null || part.Kind == Kind);

    public bool Admits(long timestamp, EventKind kind) => timestamp >= Start && timestamp < End && (Kind is null || kind == Kind);

    private static void Narrow(Filter? filter, long nowMs, ref QueryBounds bounds)
    {
        switch (filter)
        {
            case AndFilter and:
                Narrow(and.Left, nowMs, ref bounds);
                Narrow(and.Right, nowMs, ref bounds);
                break;
            case TimeFilter time:
                var (start, end) = time.Resolve(nowMs);
                bounds = bounds.Within(start, end);
                break;
            case TextFilter text when TextTrigrams.NeedleCodes(text.Text) is { } codes:
                bounds = bounds with { RequiredText = [.. bounds.RequiredText ?? [], codes] };
                break;
            case FieldFilter { Field.Source: FieldSource.Kind, Op: MatchOp.Equal } kind:
                bounds = bounds with { Kind = kind.Value == "traffic" ? EventKind.Traffic : EventKind.Log };
                break;
        }
    }
}
