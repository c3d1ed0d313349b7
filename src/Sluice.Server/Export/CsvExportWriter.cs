using System.Globalization;
using System.Text;

namespace Sluice.Server.Export;

/// <summary>
/// RFC 4180 CSV with a header of <see cref="ExportColumns.Names"/>; an absent field is an empty cell, the attributes
/// one JSON object in the last column.
/// </summary>
internal sealed class CsvExportWriter : IExportWriter
{
    private readonly Stream _output;
    private readonly ExportRowValues _values = new();
    private readonly StringBuilder _line = new();
    private readonly MemoryStream _buffer = new();

    public CsvExportWriter(Stream output)
    {
        _output = output;
        _line.AppendJoin(',', ExportColumns.Names).Append("\r\n");
        Append();
    }

    public void Write(ReadOnlySpan<byte> row)
    {
        _values.Read(row);
        Cell(_values.Id).Append(',');
        Cell(_values.Timestamp.ToString(CultureInfo.InvariantCulture)).Append(',');
        Cell(DateTimeOffset.FromUnixTimeMilliseconds(_values.Timestamp).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(',');
        Cell(_values.Kind).Append(',');
        Cell(_values.Level);
        for (var i = 0; i < ExportColumns.Fields.Length; i++)
        {
            _line.Append(',');
            Cell(_values.Text(i));
        }

        _line.Append(',');
        Cell(_values.Attributes).Append("\r\n");
        Append();
    }

    public async Task FlushAsync(CancellationToken cancel)
    {
        await _output.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancel);
        _buffer.SetLength(0);
        await _output.FlushAsync(cancel);
    }

    public Task CompleteAsync(CancellationToken cancel) => FlushAsync(cancel);

    public void Dispose() => _buffer.Dispose();

    private StringBuilder Cell(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return _line;
        }

        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return _line.Append(text);
        }

        return _line.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    private void Append()
    {
        _buffer.Write(Encoding.UTF8.GetBytes(_line.ToString()));
        _line.Clear();
    }
}
