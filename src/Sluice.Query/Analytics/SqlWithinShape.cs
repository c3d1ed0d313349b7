using System.Text.Json;
using Sluice.Storage.Summaries;
using static Sluice.Query.Analytics.SqlTree;

namespace Sluice.Query.Analytics;

/// <summary>
/// Custom SQL that asks what the parts' stored details count within one value of a primary field:
/// <c>SELECT F, count(*) FROM events|logs|traffic WHERE [timestamp range AND] P = 'X' GROUP BY F [ORDER BY count DESC
/// [LIMIT n]]</c> — P <c>level</c> or <c>decision</c>, F another field the details count within it
/// (<see cref="SummaryDetail.WithinFields"/>), both select items optionally renamed, F grouped by name, alias or
/// position, the count ordered by alias, position or <c>count(*)</c> — nothing else in the statement. Recognised from
/// the parsed tree, never from the text; any other statement runs on the engine.
/// </summary>
/// <param name="Primary">P.</param>
/// <param name="Value">X.</param>
/// <param name="Field">F.</param>
/// <param name="FieldName">The first output column's name, as the engine would give it.</param>
/// <param name="CountName">The second's.</param>
/// <param name="Top">Whether the rows are ordered by count, most first.</param>
/// <param name="Limit">n, or null.</param>
public sealed record SqlWithinShape(string Primary, string Value, string Field, string FieldName, string CountName, bool Top, long? Limit)
{
    private static readonly HashSet<string> Positions = ["INTEGER", "BIGINT"];

    /// <summary>The shape of a statement (the <c>node</c> of its serialized tree) whose <paramref name="scope"/> is already known, or null.</summary>
    public static SqlWithinShape? Of(JsonElement node, SqlScope scope)
    {
        if (scope.View is not { } view || scope.OnlyTimeRange
            || !IsNull(Get(node, "having")) || !IsNull(Get(node, "qualify"))
            || Text(node, "aggregate_handling") != "STANDARD_HANDLING"
            || Get(node, "group_expressions") is not { ValueKind: JsonValueKind.Array } groups || groups.GetArrayLength() != 1
            || Get(node, "group_sets") is not { ValueKind: JsonValueKind.Array } sets || sets.GetArrayLength() != 1
            || sets[0] is not { ValueKind: JsonValueKind.Array } set || set.GetArrayLength() != 1 || !set[0].TryGetInt32(out var only) || only != 0
            || Get(node, "select_list") is not { ValueKind: JsonValueKind.Array } select || select.GetArrayLength() != 2
            || Get(node, "modifiers") is not { ValueKind: JsonValueKind.Array } modifiers)
        {
            return null;
        }

        var table = Text(Get(node, "from_table"), "alias") is { Length: > 0 } alias ? alias : view;

        // Every WHERE term is a range on timestamp but exactly one: P = 'X'.
        var others = SqlScope.Conjuncts(Get(node, "where_clause")).Where(t => SqlScope.Range(t, table) is null).ToList();
        if (others is not [var term] || Equality(term, table) is not { } equality)
        {
            return null;
        }

        var (primary, value) = equality;
        var (item, count) = (select[0], select[1]);
        var field = SummaryDetail.WithinFields.FirstOrDefault(f => IsColumn(item, f, table));
        if (field is null || field == primary || !SqlCountShape.IsCountStar(count))
        {
            return null;
        }

        var fieldAlias = Text(item, "alias") is { Length: > 0 } a ? a : null;
        var countAlias = Text(count, "alias") is { Length: > 0 } b ? b : null;
        var (fieldName, countName) = (fieldAlias ?? field, countAlias ?? "count_star()");
        if (string.Equals(fieldName, countName, StringComparison.OrdinalIgnoreCase)
            || !(IsColumn(groups[0], field, table) || Position(groups[0]) == 1
                 || (fieldAlias is not null && IsAlias(groups[0], fieldAlias))))
        {
            return null;
        }

        var (top, limit) = (false, (long?)null);
        foreach (var modifier in modifiers.EnumerateArray())
        {
            switch (Text(modifier, "type"))
            {
                case "ORDER_MODIFIER" when !top && Get(modifier, "orders") is { ValueKind: JsonValueKind.Array } orders && orders.GetArrayLength() == 1
                    && Text(orders[0], "type") == "DESCENDING" && OrdersByCount(Get(orders[0], "expression"), countAlias):
                    top = true;
                    break;
                case "LIMIT_MODIFIER" when top && limit is null && IsNull(Get(modifier, "offset")) && Position(Get(modifier, "limit")) is { } n:
                    limit = n;
                    break;
                default:
                    return null;
            }
        }

        return new SqlWithinShape(primary, value, field, fieldName, countName, top, limit);

        bool OrdersByCount(JsonElement by, string? countAlias) =>
            SqlCountShape.IsCountStar(by) || Position(by) == 2
            || (countAlias is not null && IsAlias(by, countAlias));
    }

    /// <summary>Whether a node names a select alias, bare, that is no view column (those the engine reads first).</summary>
    private static bool IsAlias(JsonElement node, string alias) =>
        Text(node, "class") == "COLUMN_REF" && Get(node, "column_names") is { ValueKind: JsonValueKind.Array } names && names.GetArrayLength() == 1
        && string.Equals(names[0].GetString(), alias, StringComparison.OrdinalIgnoreCase) && !IsViewColumn(alias);

    /// <summary>Whether a name is one of the view's columns, which ORDER BY and GROUP BY read before an alias.</summary>
    private static bool IsViewColumn(string name) =>
        Array.Exists(Sluice.Storage.Partitions.PartSchema.ColumnNames, c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase))
        || string.Equals(name, "time", StringComparison.OrdinalIgnoreCase);

    /// <summary>P and X of <c>P = 'X'</c> (either side), P a primary field, X a text literal; else null.</summary>
    private static (string Primary, string Value)? Equality(JsonElement term, string table)
    {
        if (Text(term, "type") != "COMPARE_EQUAL")
        {
            return null;
        }

        var (left, right) = (Get(term, "left"), Get(term, "right"));
        foreach (var (column, literal) in new[] { (left, right), (right, left) })
        {
            if (SummaryDetail.Primaries.FirstOrDefault(p => IsColumn(column, p, table)) is { } primary && Text(literal, "class") == "CONSTANT"
                && Get(literal, "value") is var value && Get(value, "is_null").ValueKind == JsonValueKind.False
                && Text(Get(value, "type"), "id") == "VARCHAR" && Text(value, "value") is { } text)
            {
                return (primary, text);
            }
        }

        return null;
    }

    /// <summary>A positive integer literal's value (a position, a LIMIT), else null.</summary>
    private static long? Position(JsonElement node)
    {
        var value = Get(node, "value");
        return Text(node, "class") == "CONSTANT" && Get(value, "is_null").ValueKind == JsonValueKind.False
            && Text(Get(value, "type"), "id") is { } id && Positions.Contains(id)
            && Get(value, "value") is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out var n) && n > 0
            ? n
            : null;
    }
}
