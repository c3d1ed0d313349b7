using System.Text.Json;
using static Sluice.Query.Analytics.SqlTree;

namespace Sluice.Query.Analytics;

/// <summary>
/// Custom SQL that asks exactly what the stored counts hold: <c>SELECT level, count(*) FROM events|logs|traffic
/// [WHERE timestamp range] GROUP BY level</c>, each output column optionally renamed — nothing else in the
/// statement (no other WHERE term, HAVING, ORDER BY, LIMIT, DISTINCT, FILTER, window, join or WITH). Recognised
/// from the parsed tree, never from the text; any other statement runs on the engine.
/// </summary>
/// <param name="LevelName">The first output column's name, as the engine would give it.</param>
/// <param name="CountName">The second's.</param>
public sealed record SqlCountShape(string LevelName, string CountName)
{
    /// <summary>The shape of a statement (the <c>node</c> of its serialized tree) whose <paramref name="scope"/> is already known, or null.</summary>
    public static SqlCountShape? Of(JsonElement node, SqlScope scope)
    {
        if (scope.View is not { } view || !scope.OnlyTimeRange
            || !Empty(Get(node, "modifiers")) || !IsNull(Get(node, "having")) || !IsNull(Get(node, "qualify"))
            || Text(node, "aggregate_handling") != "STANDARD_HANDLING"
            || Get(node, "group_expressions") is not { ValueKind: JsonValueKind.Array } groups || groups.GetArrayLength() != 1
            || Get(node, "group_sets") is not { ValueKind: JsonValueKind.Array } sets || sets.GetArrayLength() != 1
            || sets[0] is not { ValueKind: JsonValueKind.Array } set || set.GetArrayLength() != 1 || !set[0].TryGetInt32(out var only) || only != 0
            || Get(node, "select_list") is not { ValueKind: JsonValueKind.Array } select || select.GetArrayLength() != 2)
        {
            return null;
        }

        var from = Get(node, "from_table");
        var table = Text(from, "alias") is { Length: > 0 } alias ? alias : view;
        var (level, count) = (select[0], select[1]);
        if (!IsLevel(groups[0], table) || !IsLevel(level, table) || !IsCountStar(count))
        {
            return null;
        }

        // Unnamed, the engine names them after the column and the function; renamed, as written.
        var levelName = Text(level, "alias") is { Length: > 0 } a ? a : "level";
        var countName = Text(count, "alias") is { Length: > 0 } b ? b : "count_star()";
        return string.Equals(levelName, countName, StringComparison.OrdinalIgnoreCase) ? null : new SqlCountShape(levelName, countName);
    }

    private static bool IsLevel(JsonElement node, string table) => IsColumn(node, "level", table);

    internal static bool IsCountStar(JsonElement node) =>
        Text(node, "class") == "FUNCTION" && Text(node, "function_name") is { } name && string.Equals(name, "count_star", StringComparison.OrdinalIgnoreCase)
        && Text(node, "schema") is "" or "main" && Text(node, "catalog") is "" && Empty(Get(node, "children")) && IsNull(Get(node, "filter"))
        && Get(node, "distinct").ValueKind == JsonValueKind.False && Get(node, "export_state").ValueKind == JsonValueKind.False
        && Get(node, "is_operator").ValueKind == JsonValueKind.False && Empty(Get(Get(node, "order_bys"), "orders"));
}
