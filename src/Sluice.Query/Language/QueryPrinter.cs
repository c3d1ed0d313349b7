using System.Text;
using Sluice.Core.Events;

namespace Sluice.Query.Language;

/// <summary>
/// Prints a parsed query back as text that parses to the same tree: binary filters parenthesised (a left-nested
/// chain of one operator inside one pair), values quoted when they hold anything the parser would read differently.
/// </summary>
public static class QueryPrinter
{
    public static string Print(ParsedQuery query)
    {
        var text = new StringBuilder();
        if (query.Filter is { } filter)
        {
            Print(filter, text);
        }

        foreach (var pipe in query.Pipes)
        {
            text.Append(text.Length == 0 ? "| " : " | ");
            Print(pipe, text);
        }

        return text.ToString();
    }

    public static string Print(Filter filter)
    {
        var text = new StringBuilder();
        Print(filter, text);
        return text.ToString();
    }

    private static void Print(Filter filter, StringBuilder text)
    {
        switch (filter)
        {
            case AndFilter and:
                Binary(and.Left, "AND", and.Right, text);
                break;
            case OrFilter or:
                Binary(or.Left, "OR", or.Right, text);
                break;
            case NotFilter not:
                text.Append("NOT ");
                Print(not.Inner, text);
                break;
            case TextFilter word:
                Quote(word.Text, escapeStar: false, text);
                break;
            case TimeFilter time:
                text.Append("_time:");
                text.Append(time.LastMs is { } last
                    ? Durations.Format(last)
                    : $"[{Timestamps.ToIso(time.StartMs)}, {Timestamps.ToIso(time.EndMs)})");
                break;
            case FieldFilter field:
                text.Append(field.Field.Name).Append(':');
                switch (field.Op)
                {
                    case MatchOp.Exists: text.Append('*'); break;
                    case MatchOp.Wildcard: text.Append('"').Append(field.Value.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"'); break;
                    case MatchOp.Equal: Quote(field.Value, escapeStar: true, text); break;
                    default: text.Append(Operator(field.Op)).Append(field.Value); break;
                }

                break;
        }
    }

    /// <summary>
    /// A binary filter in parentheses. A chain of the same operator nested on the left — which is how the parser
    /// reads <c>a b c</c> or <c>a OR b OR c</c> — is printed flat inside one pair, so a long chain does not print as
    /// nesting deeper than the parser takes (it reads the flat chain back into the same left-nested tree).
    /// </summary>
    private static void Binary(Filter left, string op, Filter right, StringBuilder text)
    {
        text.Append('(');
        Chain(left, op, text);
        text.Append(' ').Append(op).Append(' ');
        Print(right, text);
        text.Append(')');
    }

    private static void Chain(Filter filter, string op, StringBuilder text)
    {
        switch (filter)
        {
            case AndFilter both when op == "AND":
                Chain(both.Left, op, text);
                text.Append(" AND ");
                Print(both.Right, text);
                break;
            case OrFilter either when op == "OR":
                Chain(either.Left, op, text);
                text.Append(" OR ");
                Print(either.Right, text);
                break;
            default:
                Print(filter, text);
                break;
        }
    }

    /// <summary>Always quoted: a quoted string is read literally except for <c>\</c> escapes and, in values, <c>*</c>.</summary>
    private static void Quote(string value, bool escapeStar, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\' || (escapeStar && c == '*'))
            {
                text.Append('\\');
            }

            text.Append(c);
        }

        text.Append('"');
    }

    private static string Operator(MatchOp op) => op switch
    {
        MatchOp.Greater => ">",
        MatchOp.GreaterOrEqual => ">=",
        MatchOp.Less => "<",
        MatchOp.LessOrEqual => "<=",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static void Print(Pipe pipe, StringBuilder text)
    {
        switch (pipe)
        {
            case StatsPipe stats:
                text.Append("stats ").AppendJoin(", ", stats.Aggregates.Select(Print));
                if (stats.By.Count > 0)
                {
                    text.Append(" by (").AppendJoin(", ", stats.By.Select(k => k.Field?.Name ?? $"bin({Durations.Format(k.BinMs)})")).Append(')');
                }

                break;
            case TopPipe top:
                text.Append("top ").Append(top.Count).Append(' ').Append(top.Field.Name);
                break;
            case SortPipe sort:
                text.Append("sort by ").AppendJoin(", ", sort.Keys.Select(k => k.Column + (k.Descending ? " desc" : "")));
                break;
            case LimitPipe limit:
                text.Append("limit ").Append(limit.Count);
                break;
            case FieldsPipe fields:
                text.Append("fields ").AppendJoin(", ", fields.Fields.Select(f => f.Name));
                break;
            case PatternsPipe patterns:
                text.Append("patterns");
                if (patterns.Diff)
                {
                    text.Append(" diff ").Append(patterns.ShiftFactor.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                break;
        }
    }

    private static string Print(Aggregate aggregate)
    {
        var function = Names.Of(aggregate.Function);
        var arguments = aggregate.Quantile is { } q ? $"{Durations.Number(q)}, {aggregate.Field!.Name}" : aggregate.Field?.Name ?? "";
        return $"{function}({arguments}) as {aggregate.Name}";
    }
}
