using Sluice.Core.Events;
using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>
/// An equality term every match of a filter must satisfy (<c>domain:shop.example</c> ANDed at the top): the key the
/// counter files a monitor under, so a row is tested only against monitors whose term it carries.
/// </summary>
internal readonly record struct IndexTerm(FieldTag Tag, string Key, string Value)
{
    /// <summary>The first such term, preferring canonical string fields over attributes; null when the filter has none.</summary>
    public static IndexTerm? Of(Filter? filter)
    {
        IndexTerm? attribute = null;
        foreach (var term in TopTerms(filter))
        {
            if (term is not FieldFilter { Op: MatchOp.Equal } field || field.Field.IsInteger || field.Field.IsBoolean)
            {
                continue;
            }

            if (field.Field.Source == FieldSource.Canonical)
            {
                return new IndexTerm(field.Field.Tag, "", field.Value);
            }

            if (field.Field.Source == FieldSource.Attribute)
            {
                attribute ??= new IndexTerm(FieldTag.Attribute, field.Field.Key, field.Value);
            }
        }

        return attribute;
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
