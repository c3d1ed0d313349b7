using System.Globalization;
using System.Text.Json;

namespace Sluice.Cli.Bench.Peers;

/// <summary>
/// An answer as rows of text cells, so the two systems' answers compare cell by cell: times as epoch ms, numbers in
/// invariant form, a missing value as "" (ClickHouse stores an omitted key as the type's zero value).
/// </summary>
internal sealed class PeerAnswer(List<string[]> rows)
{
    public List<string[]> Rows { get; } = rows;

    public static PeerAnswer FromCells(IEnumerable<JsonElement[]> rows) => new([.. rows.Select(r => r.Select(Cell).ToArray())]);

    /// <summary>A Sluice table answer: <c>{"columns":[…],"rows":[{…}]}</c>, cells in column order.</summary>
    public static PeerAnswer FromSluiceTable(JsonElement root)
    {
        var columns = root.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
        return new([.. root.GetProperty("rows").EnumerateArray().Select(row => columns.Select(c => row.TryGetProperty(c, out var v) ? Cell(v) : "").ToArray())]);
    }

    /// <summary>Whole events, as the given fields of each.</summary>
    public static PeerAnswer FromEvents(JsonElement events, params string[] fields) =>
        new([.. events.EnumerateArray().Select(e => fields.Select(f => e.TryGetProperty(f, out var v) ? Cell(v) : "").ToArray())]);

    /// <summary>Equal as sets of rows (order aside), or — for a top-N whose last places tie — equal but for rows at the lowest count.</summary>
    public string? Differs(PeerAnswer other, bool topWithTies)
    {
        var mine = Sorted(Rows);
        var theirs = Sorted(other.Rows);
        if (mine.SequenceEqual(theirs))
        {
            return null;
        }

        if (topWithTies && mine.Count == theirs.Count && mine.Count > 0)
        {
            // A top-N cut may pick different members among those tied at the lowest count it keeps.
            var lowest = Rows.Min(r => double.Parse(r[^1], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture);
            bool Above(string row) => !row.EndsWith("\u001f" + lowest, StringComparison.Ordinal);
            if (mine.Where(Above).SequenceEqual(theirs.Where(Above)) && Rows.Select(r => r[^1]).Order().SequenceEqual(other.Rows.Select(r => r[^1]).Order()))
            {
                return null;
            }
        }

        var first = mine.Except(theirs).FirstOrDefault() ?? theirs.Except(mine).FirstOrDefault() ?? "(order)";
        return $"{mine.Count} rows against {theirs.Count}; first difference: {first.Replace('\u001f', '|')}";
    }

    private static List<string> Sorted(List<string[]> rows) => [.. rows.Select(r => string.Join('\u001f', r)).Order(StringComparer.Ordinal)];

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => Math.Round(value.GetDouble(), 6).ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String when value.GetString() is { Length: >= 20 } text && text[10] == 'T' && text[^1] == 'Z'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };
}
