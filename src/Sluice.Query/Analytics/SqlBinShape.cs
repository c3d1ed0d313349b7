using System.Text.Json;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;
using static Sluice.Query.Analytics.SqlTree;

namespace Sluice.Query.Analytics;

/// <summary>
/// Custom SQL that asks what the parts' stored details count per minute: <c>SELECT timestamp - timestamp % D AS b[, F],
/// count(*) FROM events|logs|traffic [WHERE timestamp range] GROUP BY b[, F]</c> — D an integer literal that is a
/// whole number of minutes, F one of the fields the details count per minute (<see cref="SummaryDetail.MinuteFields"/>),
/// the select items in any order and each optionally renamed, each group written as the expression, its alias or its
/// position — nothing else in the statement (no other WHERE term, HAVING, ORDER BY, LIMIT, DISTINCT, FILTER, window,
/// join or WITH). The bin must be renamed: the engine names an unnamed one after its printed expression. Recognised
/// from the parsed tree, never from the text; any other statement runs on the engine.
/// </summary>
/// <param name="BinMs">D.</param>
/// <param name="Field">F, or null for counts per bin overall.</param>
/// <param name="Columns">The output columns in select order, named as the engine would name them.</param>
public sealed record SqlBinShape(long BinMs, string? Field, IReadOnlyList<SqlBinShape.Column> Columns)
{
    /// <summary>What an output column holds.</summary>
    public enum Holds
    {
        Bin,
        Field,
        Count,
    }

    /// <summary>One output column.</summary>
    public sealed record Column(string Name, Holds Holds);

    /// <summary>Integer literals whose <c>timestamp % D</c> the engine types BIGINT, as <c>timestamp</c> is.</summary>
    private static readonly HashSet<string> LiteralTypes = ["INTEGER", "BIGINT"];

    /// <summary>Names a GROUP BY would read as a view's column before an alias: such an alias is not taken as the group.</summary>
    private static readonly HashSet<string> ColumnNames = new([.. PartSchema.ColumnNames, "time"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The shape of a statement (the <c>node</c> of its serialized tree) whose <paramref name="scope"/> is already known, or null.</summary>
    public static SqlBinShape? Of(JsonElement node, SqlScope scope)
    {
        if (scope.View is not { } view || !scope.OnlyTimeRange
            || !Empty(Get(node, "modifiers")) || !IsNull(Get(node, "having")) || !IsNull(Get(node, "qualify"))
            || Text(node, "aggregate_handling") != "STANDARD_HANDLING"
            || Get(node, "group_expressions") is not { ValueKind: JsonValueKind.Array } groups
            || Get(node, "group_sets") is not { ValueKind: JsonValueKind.Array } sets || sets.GetArrayLength() != 1
            || sets[0] is not { ValueKind: JsonValueKind.Array } set
            || Get(node, "select_list") is not { ValueKind: JsonValueKind.Array } select || select.GetArrayLength() is not (2 or 3)
            || groups.GetArrayLength() != select.GetArrayLength() - 1 || set.GetArrayLength() != groups.GetArrayLength())
        {
            return null;
        }

        var table = Text(Get(node, "from_table"), "alias") is { Length: > 0 } alias ? alias : view;
        long? binMs = null;
        string? field = null;
        var columns = new List<Column>();
        foreach (var item in select.EnumerateArray())
        {
            var name = Text(item, "alias") is { Length: > 0 } a ? a : null;
            if (Bin(item, table) is { } d && binMs is null && name is not null)
            {
                binMs = d;
                columns.Add(new Column(name, Holds.Bin));
            }
            else if (MinuteField(item, table) is { } f && field is null)
            {
                field = f;
                columns.Add(new Column(name ?? f, Holds.Field));
            }
            else if (SqlCountShape.IsCountStar(item) && !columns.Any(c => c.Holds == Holds.Count))
            {
                columns.Add(new Column(name ?? "count_star()", Holds.Count));
            }
            else
            {
                return null;
            }
        }

        if (binMs is not { } bin || !columns.Any(c => c.Holds == Holds.Count)
            || columns.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != columns.Count)
        {
            return null;
        }

        // Every group is one of the select's keys, each key grouped once, in one grouping set.
        var grouped = new HashSet<Holds>();
        var used = new HashSet<int>();
        for (var g = 0; g < groups.GetArrayLength(); g++)
        {
            if (!set[g].TryGetInt32(out var index) || index < 0 || index >= groups.GetArrayLength() || !used.Add(index)
                || Group(groups[index], select, columns, table, bin, field) is not { } holds || !grouped.Add(holds))
            {
                return null;
            }
        }

        return new SqlBinShape(bin, field, columns);
    }

    /// <summary>Which key a GROUP BY item names — by the expression itself, a select alias that is no column, or a position — or null.</summary>
    private static Holds? Group(JsonElement group, JsonElement select, List<Column> columns, string table, long binMs, string? field)
    {
        if (Bin(group, table) == binMs)
        {
            return Holds.Bin;
        }

        if (field is not null && MinuteField(group, table) == field)
        {
            return Holds.Field;
        }

        Holds? holds = null;
        if (Text(group, "class") == "CONSTANT" && Get(Get(group, "value"), "value") is { ValueKind: JsonValueKind.Number } number
            && Text(Get(Get(group, "value"), "type"), "id") is { } id && LiteralTypes.Contains(id)
            && number.TryGetInt64(out var position) && position >= 1 && position <= columns.Count)
        {
            holds = columns[(int)position - 1].Holds;
        }
        else if (Text(group, "class") == "COLUMN_REF" && Get(group, "column_names") is { ValueKind: JsonValueKind.Array } names && names.GetArrayLength() == 1
            && names[0].GetString() is { } name && !ColumnNames.Contains(name))
        {
            for (var i = 0; i < columns.Count; i++)
            {
                if (Text(select[i], "alias") is { Length: > 0 } alias && string.Equals(alias, name, StringComparison.OrdinalIgnoreCase))
                {
                    holds = columns[i].Holds;
                }
            }
        }

        return holds == Holds.Count ? null : holds;
    }

    /// <summary>D of <c>timestamp - timestamp % D</c> (D an integer literal, a positive whole number of minutes), else null.</summary>
    private static long? Bin(JsonElement node, string table)
    {
        if (!IsOperator(node, "-", out var left, out var right) || !IsColumn(left, PartSchema.Timestamp, table)
            || !IsOperator(right, "%", out var of, out var by) || !IsColumn(of, PartSchema.Timestamp, table) || Text(by, "class") != "CONSTANT")
        {
            return null;
        }

        var value = Get(by, "value");
        if (Get(value, "is_null").ValueKind != JsonValueKind.False
            || Text(Get(value, "type"), "id") is not { } id || !LiteralTypes.Contains(id)
            || Get(value, "value") is not { ValueKind: JsonValueKind.Number } number || !number.TryGetInt64(out var d))
        {
            return null;
        }

        return d > 0 && d % SummaryDetail.MinuteMs == 0 ? d : null;
    }

    /// <summary>Which of the fields counted per minute a column reference names, or null.</summary>
    private static string? MinuteField(JsonElement node, string table) =>
        SummaryDetail.MinuteFields.FirstOrDefault(f => IsColumn(node, f, table));

    /// <summary>Whether a node is the binary operator <paramref name="name"/> as written (<c>a - b</c>, not a call).</summary>
    private static bool IsOperator(JsonElement node, string name, out JsonElement left, out JsonElement right)
    {
        (left, right) = (default, default);
        if (Text(node, "class") != "FUNCTION" || Text(node, "function_name") != name || Get(node, "is_operator").ValueKind != JsonValueKind.True
            || Text(node, "schema") is not ("" or "main") || Text(node, "catalog") is not "" || !IsNull(Get(node, "filter"))
            || Get(node, "distinct").ValueKind != JsonValueKind.False || Get(node, "export_state").ValueKind != JsonValueKind.False
            || !Empty(Get(Get(node, "order_bys"), "orders"))
            || Get(node, "children") is not { ValueKind: JsonValueKind.Array } children || children.GetArrayLength() != 2)
        {
            return false;
        }

        (left, right) = (children[0], children[1]);
        return true;
    }
}
