using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ParquetSharp;
using Sluice.Core.Errors;
using Sluice.Server.Http;

namespace Sluice.Server.Import;

/// <summary>
/// Reads a Parquet file row group by row group into native JSON events, one per row: each column becomes the
/// property of its name (so Sluice's own columns map back, and another system's <c>message</c>, <c>@timestamp</c>,
/// <c>service_name</c>… map as the native names and aliases do; any other name becomes an attribute); the
/// <c>attributes</c> column, a JSON object, becomes the attributes. Strings, integers, floats, booleans and
/// timestamps are read; a column of any other type is refused by name. Memory holds one row group.
/// </summary>
internal static class ParquetImportReader
{
    public static IEnumerable<ImportRecord> Read(string path)
    {
        using var file = new ParquetFileReader(path);
        var metadata = file.FileMetaData;
        var names = Enumerable.Range(0, metadata.NumColumns).Select(i => metadata.Schema.Column(i).Name).ToArray();
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var json = new Utf8JsonWriter(buffer, JsonOutput.Options);
        var row = 0L;
        for (var g = 0; g < metadata.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            var rows = checked((int)group.MetaData.NumRows);
            var columns = new Array[names.Length];
            for (var c = 0; c < names.Length; c++)
            {
                using var column = group.Column(c);
                using var reader = column.LogicalReader();
                if (ReadAll(reader, rows) is not { } values)
                {
                    yield return new ImportRecord(row + 1, null, new FieldError(ErrorCodes.InvalidType, names[c],
                        $"column '{names[c]}' has a type import does not read (strings, integers, floats, booleans and timestamps are read)"));
                    yield break;
                }

                columns[c] = values;
            }

            for (var r = 0; r < rows; r++)
            {
                row++;
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                var error = WriteRow(json, names, columns, r);
                json.Flush();
                yield return error is null ? new ImportRecord(row, buffer.WrittenSpan.ToArray()) : new ImportRecord(row, null, error);
            }
        }
    }

    private static Array? ReadAll(LogicalColumnReader reader, int rows) => reader switch
    {
        LogicalColumnReader<string> r => r.ReadAll(rows),
        LogicalColumnReader<long> r => r.ReadAll(rows),
        LogicalColumnReader<long?> r => r.ReadAll(rows),
        LogicalColumnReader<int> r => r.ReadAll(rows),
        LogicalColumnReader<int?> r => r.ReadAll(rows),
        LogicalColumnReader<double> r => r.ReadAll(rows),
        LogicalColumnReader<double?> r => r.ReadAll(rows),
        LogicalColumnReader<float> r => r.ReadAll(rows),
        LogicalColumnReader<float?> r => r.ReadAll(rows),
        LogicalColumnReader<bool> r => r.ReadAll(rows),
        LogicalColumnReader<bool?> r => r.ReadAll(rows),
        LogicalColumnReader<DateTime> r => r.ReadAll(rows),
        LogicalColumnReader<DateTime?> r => r.ReadAll(rows),
        _ => null,
    };

    private static FieldError? WriteRow(Utf8JsonWriter json, string[] names, Array[] columns, int r)
    {
        json.WriteStartObject();
        for (var c = 0; c < names.Length; c++)
        {
            var name = names[c];
            switch (columns[c].GetValue(r))
            {
                case null:
                    break;
                case string text when name == "attributes":
                    if (!TryWriteAttributes(json, text))
                    {
                        return new FieldError(ErrorCodes.InvalidValue, "attributes", "'attributes' must hold a JSON object");
                    }

                    break;
                case string text:
                    json.WriteString(name, text);
                    break;
                case long n:
                    json.WriteNumber(name, n);
                    break;
                case int n:
                    json.WriteNumber(name, n);
                    break;
                case double d when double.IsFinite(d):
                    json.WriteNumber(name, d);
                    break;
                case float f when float.IsFinite(f):
                    json.WriteNumber(name, f);
                    break;
                case bool b:
                    json.WriteBoolean(name, b);
                    break;
                case DateTime t:
                    json.WriteString(name, DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                    break;
            }
        }

        json.WriteEndObject();
        return null;
    }

    private static bool TryWriteAttributes(Utf8JsonWriter json, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            json.WritePropertyName("attributes");
            document.RootElement.WriteTo(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
