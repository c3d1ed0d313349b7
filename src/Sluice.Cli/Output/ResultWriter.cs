using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Sluice.Cli.Output;

/// <summary>
/// Writes rows to stdout as a Spectre table, one JSON array, NDJSON (one object a line) or CSV (RFC 4180: a header,
/// fields quoted when they hold a comma, quote or line break, quotes doubled). Events and the tables of piped
/// queries go through the same writer: only their columns differ.
/// </summary>
internal sealed class ResultWriter(string output, IReadOnlyList<string> columns, bool events)
{
    private readonly List<JsonElement> _tableRows = [];
    private bool _first = true;

    /// <summary>The columns of the event table and CSV (json and ndjson give whole events).</summary>
    public static readonly string[] EventColumns = ["time", "level", "kind", "service", "message", "id"];

    public static string ParseOutput(string? text, params string[] allowed)
    {
        text ??= allowed[0];
        return allowed.Contains(text) ? text : throw new Commands.UsageException($"--output must be {string.Join(", ", allowed)}, not '{text}'");
    }

    public void Begin()
    {
        if (output == "csv")
        {
            Console.Out.Write(string.Join(',', columns.Select(Csv)) + "\r\n");
        }
        else if (output == "json")
        {
            Console.Out.Write('[');
        }
    }

    public void Row(JsonElement row)
    {
        switch (output)
        {
            case "json":
                Console.Out.Write(_first ? "\n" : ",\n");
                Console.Out.Write(row.GetRawText());
                break;
            case "ndjson":
                Console.Out.Write(row.GetRawText());
                Console.Out.Write('\n');
                break;
            case "csv":
                Console.Out.Write(string.Join(',', columns.Select(c => Csv(Cell(row, c)))) + "\r\n");
                break;
            default:
                _tableRows.Add(row.Clone());
                break;
        }

        _first = false;
    }

    public void End()
    {
        if (output == "json")
        {
            Console.Out.Write(_first ? "]\n" : "\n]\n");
        }
        else if (output == "table")
        {
            WriteTable();
        }

        Console.Out.Flush();
    }

    private static string Cell(JsonElement row, string column) => column == "time" ? EventFields.Time(row) : EventFields.Text(row, column);

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private void WriteTable()
    {
        var table = new Table().Border(TableBorder.Simple).Expand();
        var shown = events ? ["time", "level", "service", "message"] : columns;
        foreach (var column in shown)
        {
            table.AddColumn(new TableColumn(column).NoWrap());
        }

        foreach (var row in _tableRows)
        {
            var level = EventFields.Text(row, "level");
            table.AddRow(shown.Select(column =>
            {
                var text = OneLine(Cell(row, column));
                return column switch
                {
                    "level" => (Spectre.Console.Rendering.IRenderable)new Text(text, new Style(Spectre.Console.Style.Parse(Level.Style(level)).Foreground)),
                    "message" => new Text(text) { Overflow = Overflow.Ellipsis },
                    _ => new Text(text),
                };
            }).ToArray());
        }

        AnsiConsole.Write(table);
    }

    /// <summary>A table row is one line: line breaks shown as ⏎ so a stack trace does not take the screen.</summary>
    private static string OneLine(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is '\n' ? '⏎' : c is '\r' ? ' ' : c);
        }

        return builder.ToString();
    }
}
