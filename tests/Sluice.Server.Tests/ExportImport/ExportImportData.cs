using System.Text;
using System.Text.Json;
using ParquetSharp;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ExportImport;

/// <summary>Events to export and import, and readers of what an export wrote.</summary>
internal static class ExportImportData
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Logs and traffic with every kind of field: text with commas, quotes and newlines, integers, booleans, attributes.</summary>
    public static List<string> Events(int count, string prefix = "ev") => Enumerable.Range(0, count).Select(i => i % 3 == 2
        ? JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = $"{prefix}-{i:D4}",
            ["timestamp"] = Start.AddSeconds(i).ToString("O"),
            ["kind"] = "traffic",
            ["path"] = $"/shop/{i}",
            ["method"] = "GET",
            ["status"] = 200 + i % 5,
            ["country"] = "DE",
            ["ad_click"] = i % 2 == 0,
            ["attributes"] = new Dictionary<string, string> { ["campaign"] = $"spring,\"{i}\"" },
        })
        : JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = $"{prefix}-{i:D4}",
            ["timestamp"] = Start.AddSeconds(i).ToString("O"),
            ["level"] = i % 2 == 0 ? "error" : "info",
            ["message"] = $"order {i} failed, \"card\" declined\nsecond line",
            ["service"] = "checkout",
            ["trace_id"] = $"trace-{i % 7}",
            ["attributes"] = new Dictionary<string, string> { ["region"] = "eu-west", ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        })).ToList();

    public static string Range => $"start={Uri.EscapeDataString(Start.AddMinutes(-1).ToString("O"))}&end={Uri.EscapeDataString(Start.AddDays(1).ToString("O"))}";

    /// <summary>Every stored event, keyed by id, as canonical JSON (searching both kinds, small pages).</summary>
    public static async Task<Dictionary<string, string>> StoredAsync(TestServer server)
    {
        var events = await Api.SearchAllAsync(server, Range.Replace("start=", "start_time=").Replace("end=", "end_time="), limit: 5);
        return events.ToDictionary(Api.Id, Api.Canonical);
    }

    public static List<JsonElement> ReadNdjson(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>RFC 4180 rows (quoted cells may hold commas, quotes and newlines).</summary>
    public static List<List<string>> ReadCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                cell.Append(c);
            }
        }

        return rows;
    }

    /// <summary>The id column and the row count of a Parquet file, read back with ParquetSharp.</summary>
    public static (List<string> Ids, Dictionary<string, string> Types) ReadParquet(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), "sluice-export-" + Guid.NewGuid().ToString("N") + ".parquet");
        File.WriteAllBytes(path, bytes);
        try
        {
            using var file = new ParquetFileReader(path);
            var ids = new List<string>();
            var types = new Dictionary<string, string>();
            var schema = file.FileMetaData.Schema;
            for (var c = 0; c < file.FileMetaData.NumColumns; c++)
            {
                types[schema.Column(c).Name] = schema.Column(c).PhysicalType.ToString();
            }

            for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
            {
                using var group = file.RowGroup(g);
                using var reader = group.Column(0).LogicalReader<string>();
                ids.AddRange(reader.ReadAll(checked((int)group.MetaData.NumRows)));
            }

            return (ids, types);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
