using Sluice.Query.Language;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Which event columns a language query can read, as flags over <see cref="PartSchema.ColumnNames"/>: the hot rows
/// copied for it need values in those only (custom SQL gets its set from <see cref="SqlGuard"/>'s walk of its tree).
/// </summary>
public static class ReferencedColumns
{
    public static bool[] All()
    {
        var all = new bool[PartSchema.ColumnNames.Length];
        Array.Fill(all, true);
        return all;
    }

    /// <summary>The columns a language query names; every column when it returns whole events.</summary>
    public static bool[] Of(ParsedQuery query, bool returnsEvents, bool weighted = true)
    {
        if (returnsEvents)
        {
            return All();
        }

        var used = Base();
        Mark(query.Filter, used);
        foreach (var pipe in query.Pipes)
        {
            switch (pipe)
            {
                case StatsPipe stats:
                    if (weighted)
                    {
                        MarkWeight(used); // count() counts by sample weight
                    }

                    stats.By.Where(k => k.Field is not null).ToList().ForEach(k => Mark(k.Field!, used));
                    stats.Aggregates.Where(a => a.Field is not null).ToList().ForEach(a => Mark(a.Field!, used));
                    break;
                case TopPipe top:
                    if (weighted)
                    {
                        MarkWeight(used);
                    }

                    Mark(top.Field, used);
                    break;
                case SortPipe sort:
                    sort.Keys.ToList().ForEach(k => Mark(QueryField.Resolve(k.Column), used));
                    break;
                case FieldsPipe fields:
                    fields.Fields.ToList().ForEach(f => Mark(f, used));
                    break;
            }
        }

        return used;
    }

    /// <summary>The columns a filter names (formulas: one filter per aggregation).</summary>
    public static void Mark(Filter? filter, bool[] used)
    {
        switch (filter)
        {
            case AndFilter and:
                Mark(and.Left, used);
                Mark(and.Right, used);
                break;
            case OrFilter or:
                Mark(or.Left, used);
                Mark(or.Right, used);
                break;
            case NotFilter not:
                Mark(not.Inner, used);
                break;
            case TextFilter:
                Mark(QueryField.Resolve("message"), used);
                break;
            case FieldFilter field:
                Mark(field.Field, used);
                break;
        }
    }

    public static void Mark(QueryField field, bool[] used)
    {
        var name = field.Source switch
        {
            FieldSource.Timestamp => PartSchema.Timestamp,
            FieldSource.Kind => PartSchema.Kind,
            FieldSource.Level => PartSchema.Level,
            FieldSource.Attribute => PartSchema.Attributes,
            _ => field.Name,
        };
        used[Array.IndexOf(PartSchema.ColumnNames, name)] = true;
    }

    /// <summary>Marks <c>sample_weight</c>, which every count of events reads.</summary>
    public static void MarkWeight(bool[] used) =>
        used[Array.IndexOf(PartSchema.ColumnNames, Sluice.Core.Events.FieldCatalog.Get(Sluice.Core.Events.FieldTag.SampleWeight).Name)] = true;

    /// <summary>The columns always filled: seq, timestamp, kind (order, ranges, the kind views).</summary>
    public static bool[] Base()
    {
        var used = new bool[PartSchema.ColumnNames.Length];
        used[0] = used[1] = used[2] = true;
        return used;
    }
}
