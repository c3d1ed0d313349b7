using Sluice.Query.Language;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// The queries <see cref="StoredCounts"/> answers — <c>[_time…] [kind:…] | stats count() [as n] [by (field)]</c>
/// with a field the summaries count — whose rows come most frequent first (then by value, events without the field
/// last), not in the order of the key as the engine's are. Another engine giving the same answers orders them so too.
/// </summary>
public static class StoredCountShape
{
    /// <param name="field">The field counted by value, or null for a plain count.</param>
    public static bool Matches(ParsedQuery query, out string? field)
    {
        field = null;
        if (query.Pipes is not [StatsPipe { Aggregates: [{ Function: AggregateFunction.Count, Field: null }], By: var by }] || by.Count > 1
            || !OnlyTimeAndKind(query.Filter))
        {
            return false;
        }

        if (by.Count == 0)
        {
            return true;
        }

        field = by[0] is { BinMs: 0, Field: { } key } ? Counted(key) : null;
        return field is not null;
    }

    /// <summary>
    /// Whether the query is <c>[_time…] [kind:…] | top N field</c> with a field the summaries count. Its rows are the
    /// engine's top: most frequent first, then by value, and no row for events without the field.
    /// </summary>
    public static bool MatchesTop(ParsedQuery query, out string? field, out int count)
    {
        (field, count) = query.Pipes is [TopPipe top] && OnlyTimeAndKind(query.Filter) ? (Counted(top.Field), top.Count) : (null, 0);
        return field is not null;
    }

    private static string? Counted(QueryField field) => field.Source switch
    {
        FieldSource.Level => "level",
        FieldSource.Canonical when Array.IndexOf(PartSummary.CountedFields, field.Tag) >= 0 => field.Name,
        _ => null,
    };

    /// <summary>Rows of (value, count) in the stored counts' order: most frequent first, then by value, no value last.</summary>
    public static void Order(List<object?[]> rows) =>
        rows.Sort((a, b) => (a[0], b[0]) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            _ => Convert.ToInt64(b[1], System.Globalization.CultureInfo.InvariantCulture).CompareTo(Convert.ToInt64(a[1], System.Globalization.CultureInfo.InvariantCulture)) is var c && c != 0
                ? c
                : string.CompareOrdinal(Convert.ToString(a[0], System.Globalization.CultureInfo.InvariantCulture), Convert.ToString(b[0], System.Globalization.CultureInfo.InvariantCulture)),
        });

    /// <summary>Whether the filter is only time ranges and one kind (<c>kind:log</c> or <c>kind:traffic</c>), ANDed.</summary>
    private static bool OnlyTimeAndKind(Filter? filter)
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        return Walk(filter) && kinds.Count <= 1;

        bool Walk(Filter? f) => f switch
        {
            null or TimeFilter => true,
            AndFilter and => Walk(and.Left) && Walk(and.Right),
            FieldFilter { Field.Source: FieldSource.Kind, Op: MatchOp.Equal, Value: "log" or "traffic" } kind => kinds.Add(kind.Value) || true,
            _ => false,
        };
    }
}
