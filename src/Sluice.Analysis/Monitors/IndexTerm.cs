using Sluice.Core.Events;
using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>
/// An equality term every match of a filter must satisfy (<c>domain:shop.example</c> ANDed at the top): a key the
/// counter may file a monitor under, so a row is tested only against monitors whose term it carries.
/// </summary>
internal readonly record struct IndexTerm(FieldTag Tag, string Key, string Value)
{
    /// <summary>Every such term of the filter, in its order; empty when it has none.</summary>
    public static IReadOnlyList<IndexTerm> All(Filter? filter)
    {
        var terms = new List<IndexTerm>();
        foreach (var term in TopTerms(filter))
        {
            if (term is not FieldFilter { Op: MatchOp.Equal } field || field.Field.IsInteger || field.Field.IsBoolean)
            {
                continue;
            }

            if (field.Field.Source == FieldSource.Canonical)
            {
                terms.Add(new IndexTerm(field.Field.Tag, "", field.Value));
            }
            else if (field.Field.Source == FieldSource.Attribute)
            {
                terms.Add(new IndexTerm(FieldTag.Attribute, field.Field.Key, field.Value));
            }
        }

        return terms;
    }

    private static IEnumerable<Filter> TopTerms(Filter? filter)
    {
        if (filter is AndFilter and)
        {
            return TopTerms(and.Left).Concat(TopTerms(and.Right));
        }

        return filter is null ? [] : [filter];
    }
}
