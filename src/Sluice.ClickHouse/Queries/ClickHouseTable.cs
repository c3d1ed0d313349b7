using System.Globalization;
using System.Text.Json;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// An answer in ClickHouse's <c>JSONCompact</c> format (column names and types, rows as arrays), with values typed as
/// the embedded engine types them: integers as <see cref="long"/>, floats as <see cref="double"/>, the rest as text,
/// NULL (and NaN or infinity, which ClickHouse writes as null) as null.
/// </summary>
internal sealed class ClickHouseTable
{
    public const string Format = "JSONCompact";

    private ClickHouseTable(string[] names, string[] types, List<object?[]> rows)
    {
        Names = names;
        Types = types;
        Rows = rows;
    }

    public string[] Names { get; }

    /// <summary>ClickHouse's type of each column, without <c>Nullable</c> and <c>LowCardinality</c>.</summary>
    public string[] Types { get; }

    public List<object?[]> Rows { get; }

    public static ClickHouseTable Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var meta = root.GetProperty("meta");
        var names = meta.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        var types = meta.EnumerateArray().Select(c => BaseType(c.GetProperty("type").GetString()!)).ToArray();
        var rows = new List<object?[]>();
        foreach (var row in root.GetProperty("data").EnumerateArray())
        {
            var values = new object?[names.Length];
            var i = 0;
            foreach (var value in row.EnumerateArray())
            {
                values[i] = Value(value, types[i]);
                i++;
            }

            rows.Add(values);
        }

        return new ClickHouseTable(names, types, rows);
    }

    private static string BaseType(string type)
    {
        foreach (var wrapper in new[] { "LowCardinality(", "Nullable(" })
        {
            if (type.StartsWith(wrapper, StringComparison.Ordinal))
            {
                type = type[wrapper.Length..^1];
            }
        }

        return type;
    }

    private static object? Value(JsonElement value, string type) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when type.StartsWith("Float", StringComparison.Ordinal) || type.StartsWith("Decimal", StringComparison.Ordinal) => value.GetDouble(),
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        JsonValueKind.Number when value.TryGetUInt64(out var u) => (double)u,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => value.GetRawText(),
    };

}
