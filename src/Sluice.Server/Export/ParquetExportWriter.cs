using ParquetSharp;
using Sluice.Core.Events;

namespace Sluice.Server.Export;

/// <summary>
/// Parquet with typed columns (<see cref="ExportColumns"/>): strings as UTF-8, integers as INT64, booleans as
/// BOOLEAN, <c>timestamp</c> as INT64 ms and <c>time</c> as a UTC timestamp; absent fields are nulls. Written to a
/// file (Parquet's footer needs a seekable end), a row group per <see cref="RowGroupRows"/> rows so memory stays bounded.
/// </summary>
internal sealed class ParquetExportWriter : IExportWriter
{
    public const int RowGroupRows = 8192;

    private readonly ParquetFileWriter _file;
    private readonly ExportRowValues _values = new();
    private readonly string[] _ids = new string[RowGroupRows];
    private readonly long[] _timestamps = new long[RowGroupRows];
    private readonly DateTime[] _times = new DateTime[RowGroupRows];
    private readonly string[] _kinds = new string[RowGroupRows];
    private readonly string[] _levels = new string[RowGroupRows];
    private readonly string?[][] _texts = ExportColumns.Fields.Select(_ => new string?[RowGroupRows]).ToArray();
    private readonly long?[][] _numbers = ExportColumns.Fields.Select(_ => new long?[RowGroupRows]).ToArray();
    private readonly string?[] _attributes = new string?[RowGroupRows];
    private int _count;

    public ParquetExportWriter(string path)
    {
        _file = new ParquetFileWriter(path, Columns(), Compression.Zstd);
    }

    public static Column[] Columns() =>
    [
        new Column<string>("id"),
        new Column<long>("timestamp"),
        new Column<DateTime>("time", LogicalType.Timestamp(isAdjustedToUtc: true, TimeUnit.Millis)),
        new Column<string>("kind"),
        new Column<string>("level"),
        .. ExportColumns.Fields.Select(f => f.Type switch
        {
            FieldType.Integer => (Column)new Column<long?>(f.Name),
            FieldType.Boolean => new Column<bool?>(f.Name),
            _ => new Column<string>(f.Name),
        }),
        new Column<string>(ExportColumns.Attributes),
    ];

    public void Write(ReadOnlySpan<byte> row)
    {
        _values.Read(row);
        var i = _count++;
        _ids[i] = _values.Id;
        _timestamps[i] = _values.Timestamp;
        _times[i] = DateTimeOffset.FromUnixTimeMilliseconds(_values.Timestamp).UtcDateTime;
        _kinds[i] = _values.Kind;
        _levels[i] = _values.Level;
        for (var f = 0; f < ExportColumns.Fields.Length; f++)
        {
            _texts[f][i] = _values.Texts[f];
            _numbers[f][i] = _values.Numbers[f];
        }

        _attributes[i] = _values.Attributes;
        if (_count == RowGroupRows)
        {
            WriteRowGroup();
        }
    }

    public Task FlushAsync(CancellationToken cancel) => Task.CompletedTask;

    public Task CompleteAsync(CancellationToken cancel)
    {
        if (_count > 0)
        {
            WriteRowGroup();
        }

        _file.Close();
        return Task.CompletedTask;
    }

    public void Dispose() => _file.Dispose();

    private void WriteRowGroup()
    {
        var n = _count;
        using var group = _file.AppendRowGroup();
        Column(group, _ids, n);
        Column(group, _timestamps, n);
        Column(group, _times, n);
        Column(group, _kinds, n);
        Column(group, _levels, n);
        for (var f = 0; f < ExportColumns.Fields.Length; f++)
        {
            switch (ExportColumns.Fields[f].Type)
            {
                case FieldType.Integer:
                    Column(group, _numbers[f], n);
                    break;
                case FieldType.Boolean:
                    Column(group, _numbers[f].Take(n).Select(v => v is { } b ? b != 0 : (bool?)null).ToArray(), n);
                    break;
                default:
                    Column(group, _texts[f], n);
                    break;
            }
        }

        Column(group, _attributes, n);
        group.Close();
        _count = 0;
    }

    private static void Column<T>(RowGroupWriter group, T[] values, int n)
    {
        using var column = group.NextColumn();
        using var writer = column.LogicalWriter<T>();
        writer.WriteBatch(values, 0, n);
    }
}
