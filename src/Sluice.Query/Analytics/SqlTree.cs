using System.Text.Json;

namespace Sluice.Query.Analytics;

/// <summary>Defensive reads of the engine's serialized statement tree: a slot of another shape reads as absent.</summary>
internal static class SqlTree
{
    public static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static string? Text(JsonElement element, string name) =>
        Get(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static bool IsNull(JsonElement element) => element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static bool Empty(JsonElement element) => element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 0;

    /// <summary>Whether a COLUMN_REF names <paramref name="column"/> of the one table, bare or as <c>table.column</c>.</summary>
    public static bool IsColumn(JsonElement node, string column, string table)
    {
        if (Text(node, "class") != "COLUMN_REF" || Get(node, "column_names") is not { ValueKind: JsonValueKind.Array } names)
        {
            return false;
        }

        var parts = names.EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String ? n.GetString() : null).ToList();
        return parts switch
        {
            [var name] => string.Equals(name, column, StringComparison.OrdinalIgnoreCase),
            [var owner, var name] => string.Equals(owner, table, StringComparison.OrdinalIgnoreCase) && string.Equals(name, column, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }
}
