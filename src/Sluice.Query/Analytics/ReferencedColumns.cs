using Sluice.Query.Language;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Analytics;

/// <summary>
/// Which event columns a statement can read, as flags over <see cref="PartSchema.ColumnNames"/>: the hot rows copied
/// for it need values in those only. <c>seq</c> and <c>timestamp</c> are always filled (order, ranges).
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
    public static bool[] Of(ParsedQuery query, bool returnsEvents)
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
                    stats.By.Where(k => k.Field is not null).ToList().ForEach(k => Mark(k.Field!, used));
                    stats.Aggregates.Where(a => a.Field is not null).ToList().ForEach(a => Mark(a.Field!, used));
                    break;
                case TopPipe top:
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

    /// <summary>
    /// The columns custom SQL can read: every column whose name appears as a word or quoted name, plus <c>kind</c>
    /// (the logs and traffic views filter on it). Whenever the SQL could reach a column without naming it — a
    /// <c>*</c> other than <c>count(*)</c>, a FROM-first subquery, columns renamed by position, a whole row used as a
    /// value — every column is copied: a column left out would read NULL for unsealed rows, silently.
    /// </summary>
    public static bool[] OfSql(IReadOnlyList<SqlToken> tokens)
    {
        if (ReadsUnnamedColumns(tokens))
        {
            return All();
        }

        var used = Base();
        foreach (var token in tokens)
        {
            if (token.Kind is TokenKind.Word or TokenKind.QuotedName)
            {
                // DuckDB matches names case-insensitively, quoted or not.
                var index = Array.FindIndex(PartSchema.ColumnNames, c => string.Equals(c, token.Name, StringComparison.OrdinalIgnoreCase));
                if (index >= 0)
                {
                    used[index] = true;
                }
                else if (string.Equals(token.Name, "time", StringComparison.OrdinalIgnoreCase))
                {
                    used[1] = true;
                }
            }
        }

        return used;
    }

    private static bool ReadsUnnamedColumns(IReadOnlyList<SqlToken> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var previous = i > 0 ? tokens[i - 1] : default;
            var next = i + 1 < tokens.Count ? tokens[i + 1] : default;
            var token = tokens[i];
            if ((token.Is("*") && !(previous.Is("(") && next.Is(")")))
                || (token.Is("(") && next.IsWord("from"))
                || (token.Kind is TokenKind.Word or TokenKind.QuotedName && next.Is("(") && previous.IsWord("as")))
            {
                return true;
            }
        }

        return NamesWholeRows(tokens);
    }

    /// <summary>
    /// Whether a view or its alias is used as a value (<c>SELECT l FROM logs l</c>, <c>to_json(logs)</c>): that reads
    /// the whole row.
    /// </summary>
    private static bool NamesWholeRows(IReadOnlyList<SqlToken> tokens)
    {
        var rows = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "events", "logs", "traffic" };
        for (var i = 1; i + 1 < tokens.Count; i++)
        {
            var previous = tokens[i - 1];
            if (rows.Contains(tokens[i].Name) && (previous.IsWord("from") || previous.IsWord("join") || previous.Is(",")))
            {
                var alias = tokens[i + 1].IsWord("as") && i + 2 < tokens.Count ? tokens[i + 2] : tokens[i + 1];
                if (alias.Kind is TokenKind.Word or TokenKind.QuotedName && !SqlGuard.IsKeyword(alias.Name))
                {
                    rows.Add(alias.Name);
                }
            }
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            var previous = i > 0 ? tokens[i - 1] : default;
            var next = i + 1 < tokens.Count ? tokens[i + 1] : default;
            if (tokens[i].Kind is TokenKind.Word or TokenKind.QuotedName && rows.Contains(tokens[i].Name) && !next.Is(".")
                && !previous.IsWord("from") && !previous.IsWord("join") && !previous.IsWord("as") && !previous.Is(",") && !rows.Contains(previous.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool[] Base()
    {
        var used = new bool[PartSchema.ColumnNames.Length];
        used[0] = used[1] = used[2] = true;
        return used;
    }
}
