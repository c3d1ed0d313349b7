using Sluice.Query.Language;
using Sluice.Storage.Summaries;

namespace Sluice.Query.Analytics;

/// <summary>
/// The dashboard queries <see cref="StoredDetailCounts"/> answers from the parts' <see cref="SummaryDetail"/>:
/// <list type="bullet">
/// <item><c>[_time…] [kind:…] P:X | top N F</c> or <c>| stats count() by F</c>, P a primary field (<c>level</c>,
/// <c>decision</c>) and F another counted field ("the countries of blocks");</item>
/// <item><c>[_time…] [kind:…] | stats count() by (bin(D)[, F])</c>, D a whole number of minutes and F a field counted
/// per minute (<c>level</c>, <c>service</c>, <c>decision</c>), in either order.</item>
/// </list>
/// </summary>
internal static class StoredDetailShape
{
    /// <summary>What a query of the first form asks: the field counted within <c>Primary:Value</c>, and N for <c>top</c>.</summary>
    internal sealed record Within(string Primary, string Value, string Field, int? Top, string CountName);

    /// <summary>What a query of the second form asks: the bin, the field (or none) and whether it comes first.</summary>
    internal sealed record Bins(long BinMs, string? Field, bool FieldFirst, string FieldName, string CountName);

    public static Within? MatchWithin(ParsedQuery query)
    {
        if (!Terms(query.Filter, out var primary) || primary is null)
        {
            return null;
        }

        var (field, top, count) = query.Pipes switch
        {
            [TopPipe pipe] => (pipe.Field, (int?)pipe.Count, "count"),
            [StatsPipe { Aggregates: [{ Function: AggregateFunction.Count, Field: null } aggregate], By: [{ BinMs: 0, Field: { } by }] }] => (by, null, aggregate.Name),
            _ => (null, null, ""),
        };
        var name = field is null ? null : Counted(field);
        return name is null || name == primary.Value.Field || Array.IndexOf(SummaryDetail.WithinFields, name) < 0
            ? null
            : new Within(primary.Value.Field, primary.Value.Value, name, top, count);
    }

    public static Bins? MatchBins(ParsedQuery query)
    {
        if (!Terms(query.Filter, out var primary) || primary is not null
            || query.Pipes is not [StatsPipe { Aggregates: [{ Function: AggregateFunction.Count, Field: null } aggregate], By: var by }])
        {
            return null;
        }

        var bin = by.FirstOrDefault(k => k.Field is null);
        if (bin is null || bin.BinMs <= 0 || bin.BinMs % SummaryDetail.MinuteMs != 0 || by.Count > 2)
        {
            return null;
        }

        if (by.Count == 1)
        {
            return new Bins(bin.BinMs, null, false, "", aggregate.Name);
        }

        var key = by[0] == bin ? by[1] : by[0];
        var field = key is { BinMs: 0, Field: { } f } ? Counted(f) : null;
        return field is null || Array.IndexOf(SummaryDetail.MinuteFields, field) < 0
            ? null
            : new Bins(bin.BinMs, field, by[0] == key, key.Name, aggregate.Name);
    }

    /// <summary>The name under which the details count a field (<c>level</c> or a canonical field), else null.</summary>
    private static string? Counted(QueryField field) => field.Source switch
    {
        FieldSource.Level => "level",
        FieldSource.Canonical when Array.IndexOf(PartSummary.CountedFields, field.Tag) >= 0 => field.Name,
        _ => null,
    };

    /// <summary>
    /// Whether the filter is only time ranges, at most one kind and at most one <c>P:X</c> of a primary field, ANDed;
    /// <paramref name="primary"/> is that term.
    /// </summary>
    private static bool Terms(Filter? filter, out (string Field, string Value)? primary)
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        var primaries = new List<(string Field, string Value)>();
        var ok = Walk(filter) && kinds.Count <= 1 && primaries.Count <= 1;
        primary = primaries.Count == 1 ? primaries[0] : null;
        return ok;

        bool Walk(Filter? f) => f switch
        {
            null or TimeFilter => true,
            AndFilter and => Walk(and.Left) && Walk(and.Right),
            FieldFilter { Field.Source: FieldSource.Kind, Op: MatchOp.Equal, Value: "log" or "traffic" } kind => kinds.Add(kind.Value) || true,
            FieldFilter { Op: MatchOp.Equal } term when Counted(term.Field) is { } name && Array.IndexOf(SummaryDetail.Primaries, name) >= 0 => Add(name, term.Value),
            _ => false,
        };

        bool Add(string field, string value)
        {
            primaries.Add((field, value));
            return true;
        }
    }
}
