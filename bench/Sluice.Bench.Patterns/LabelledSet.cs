using System.Text;

namespace Sluice.Bench.Patterns;

/// <summary>One labelled Loghub-2k set: each message (the <c>Content</c> column) with its true event id and template.</summary>
internal sealed record LabelledSet(string Name, IReadOnlyList<LabelledLine> Lines)
{
    /// <summary>Reads <c>DIR/Name/Name_2k.log_structured.csv</c>; null when the file is absent.</summary>
    public static LabelledSet? Load(string directory, string name)
    {
        var path = Path.Combine(directory, name, $"{name}_2k.log_structured.csv");
        if (!File.Exists(path))
        {
            return null;
        }
        var rows = CsvRows.Read(File.ReadAllText(path, Encoding.UTF8));
        var header = rows[0];
        var content = header.IndexOf("Content");
        var eventId = header.IndexOf("EventId");
        var template = header.IndexOf("EventTemplate");
        var lines = rows.Skip(1)
            .Where(row => row.Count == header.Count)
            .Select(row => new LabelledLine(row[content], row[eventId], row[template]))
            .ToList();
        return new LabelledSet(name, lines);
    }
}
