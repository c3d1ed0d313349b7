using System.Text.Json;
using static Sluice.Query.Analytics.SqlTree;
using Sluice.Core.Events;

namespace Sluice.Query.Analytics;

/// <summary>
/// What an admitted custom SQL statement can read, proven from its parsed tree: when the whole statement reads one
/// view once — a single SELECT straight from <c>events</c>, <c>logs</c> or <c>traffic</c>, no WITH, no join, no
/// other table anywhere (not in a subquery either), no sample — every row it sees has passed its WHERE, so the
/// bounds on <c>timestamp</c> ANDed at the top of that WHERE, and the view's kind, hold for every row that can
/// matter. Parts and unsealed rows outside them are then not handed to the engine. Any other statement reads
/// everything (<see cref="Everything"/>); a term that is not a plain comparison of <c>timestamp</c> with an
/// integer only leaves the range wider.
/// </summary>
/// <param name="View">The one view read (lower case), or null when the statement is not of that shape.</param>
/// <param name="Bounds">The rows that can matter; <see cref="QueryBounds.All"/> when nothing is proven.</param>
/// <param name="OnlyTimeRange">Whether the WHERE is nothing but such comparisons (or absent).</param>
public sealed record SqlScope(string? View, QueryBounds Bounds, bool OnlyTimeRange)
{
    public static readonly SqlScope Everything = new(null, QueryBounds.All, false);

    private static readonly HashSet<string> Views = new(StringComparer.OrdinalIgnoreCase) { "events", "logs", "traffic" };

    private static readonly HashSet<string> IntegerTypes = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"];

    /// <summary>The scope of a statement, from the <c>node</c> of its serialized tree.</summary>
    public static SqlScope Of(JsonElement node)
    {
        var from = Get(node, "from_table");
        if (Text(node, "type") != "SELECT_NODE" || !Empty(Get(Get(node, "cte_map"), "map")) || !IsNull(Get(node, "sample"))
            || Text(from, "type") != "BASE_TABLE" || !IsNull(Get(from, "sample")) || !Empty(Get(from, "column_name_alias")) || !IsNull(Get(from, "at_clause"))
            || Text(from, "schema_name") is not "" || Text(from, "catalog_name") is not ""
            || Text(from, "table_name") is not { } view || !Views.Contains(view) || CountTables(node) != 1)
        {
            return Everything;
        }

        view = view.ToLowerInvariant();
        var name = Text(from, "alias") is { Length: > 0 } alias ? alias : view;
        var kind = view switch { "logs" => EventKind.Log, "traffic" => EventKind.Traffic, _ => (EventKind?)null };
        var bounds = QueryBounds.All with { Kind = kind };
        var onlyTime = true;
        var where = Get(node, "where_clause");
        if (!IsNull(where))
        {
            foreach (var term in Conjuncts(where))
            {
                if (Range(term, name) is { } range)
                {
                    bounds = bounds.Within(range.Start, range.End);
                }
                else
                {
                    onlyTime = false;
                }
            }
        }

        return new SqlScope(view, bounds, onlyTime);
    }

    /// <summary>The terms ANDed at the top of a WHERE (nested ANDs flattened).</summary>
    internal static IEnumerable<JsonElement> Conjuncts(JsonElement where)
    {
        if (Text(where, "type") == "CONJUNCTION_AND" && Get(where, "children") is { ValueKind: JsonValueKind.Array } children)
        {
            return children.EnumerateArray().SelectMany(Conjuncts);
        }

        return [where];
    }

    /// <summary>The range [start, end) a comparison of the view's <c>timestamp</c> with an integer admits, or null.</summary>
    internal static (long? Start, long? End)? Range(JsonElement term, string table)
    {
        var type = Text(term, "type");
        if (type == "COMPARE_BETWEEN")
        {
            return IsTimestamp(Get(term, "input"), table) && Integer(Get(term, "lower")) is { } low && Integer(Get(term, "upper")) is { } high
                ? (low, After(high))
                : null;
        }

        var (left, right) = (Get(term, "left"), Get(term, "right"));
        if (IsTimestamp(right, table) && Integer(left) is { } flippedValue)
        {
            // 5 < timestamp is timestamp > 5
            type = type switch
            {
                "COMPARE_LESSTHAN" => "COMPARE_GREATERTHAN",
                "COMPARE_LESSTHANOREQUALTO" => "COMPARE_GREATERTHANOREQUALTO",
                "COMPARE_GREATERTHAN" => "COMPARE_LESSTHAN",
                "COMPARE_GREATERTHANOREQUALTO" => "COMPARE_LESSTHANOREQUALTO",
                _ => type,
            };
            return Compare(type, flippedValue);
        }

        return IsTimestamp(left, table) && Integer(right) is { } value ? Compare(type, value) : null;

        static (long? Start, long? End)? Compare(string? type, long value) => type switch
        {
            "COMPARE_GREATERTHANOREQUALTO" => (value, null),
            "COMPARE_GREATERTHAN" => value == long.MaxValue ? (long.MaxValue, long.MinValue) : (value + 1, null), // nothing is past the largest value
            "COMPARE_LESSTHAN" => (null, value),
            "COMPARE_LESSTHANOREQUALTO" => (null, After(value)),
            "COMPARE_EQUAL" => (value, After(value)),
            _ => null,
        };
    }

    /// <summary>The exclusive end just past <paramref name="value"/>; null (no end) at the largest value.</summary>
    private static long? After(long value) => value == long.MaxValue ? null : value + 1;

    private static bool IsTimestamp(JsonElement node, string table) => IsColumn(node, "timestamp", table);

    /// <summary>An integer literal's value (negative literals are constants in the tree too), or null.</summary>
    private static long? Integer(JsonElement node)
    {
        var value = Get(node, "value");
        return Text(node, "class") == "CONSTANT" && Get(value, "is_null").ValueKind == JsonValueKind.False
            && Text(Get(value, "type"), "id") is { } id && IntegerTypes.Contains(id)
            && Get(value, "value") is { ValueKind: JsonValueKind.Number } number && number.TryGetInt64(out var n)
            ? n
            : null;
    }

    /// <summary>How many FROM items name a table anywhere in the tree (a subquery's too).</summary>
    private static int CountTables(JsonElement node)
    {
        var count = 0;
        var pending = new Stack<JsonElement>([node]);
        while (pending.TryPop(out var element))
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                if (Text(element, "type") == "BASE_TABLE")
                {
                    count++;
                }

                foreach (var property in element.EnumerateObject())
                {
                    pending.Push(property.Value);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    pending.Push(item);
                }
            }
        }

        return count;
    }
}
