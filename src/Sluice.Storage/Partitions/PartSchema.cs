using ParquetSharp;
using ParquetSharp.Schema;
using Sluice.Core.Events;
using ParquetEncoding = ParquetSharp.Encoding;

namespace Sluice.Storage.Partitions;

/// <summary>
/// The columns of a sealed part: <c>seq</c> (the WAL sequence number, the unique tie-breaker of result order),
/// <c>timestamp</c> (epoch ms), <c>kind</c>, <c>level</c>, one column per canonical field of DESIGN §4 under its
/// JSON name, and <c>attributes</c> as a JSON object. Any Parquet reader sees the event as the API shows it.
/// </summary>
public static class PartSchema
{
    public const string Seq = "seq";
    public const string Timestamp = "timestamp";
    public const string Kind = "kind";
    public const string Level = "level";
    public const string Attributes = "attributes";

    /// <summary>The value of the <see cref="Kind"/> column (and the kind's directory name).</summary>
    public static string KindName(EventKind kind) => kind == EventKind.Traffic ? "traffic" : "log";

    internal static ReadOnlySpan<byte> KindUtf8(EventKind kind) => kind == EventKind.Traffic ? "traffic"u8 : "log"u8;

    /// <summary>The canonical fields, in the order their columns follow the four fixed ones.</summary>
    public static readonly FieldInfo[] Fields = [.. FieldCatalog.All];

    /// <summary>Every column name, in file order.</summary>
    public static readonly string[] ColumnNames = [Seq, Timestamp, Kind, Level, .. Fields.Select(f => f.Name), Attributes];

    /// <summary>Columns whose few distinct values make dictionary encoding pay.</summary>
    internal static readonly HashSet<string> LowCardinality =
        [Kind, Level, "service", "system", "host", "domain", "category", "method", "path", "country", "decision", "reason", "template", "pattern_id", "status", "priority", "risk", "sample_weight", Attributes];

    /// <summary>
    /// Columns in time-sortable order within a part: delta encodings store them as small differences (WAL sequence
    /// numbers and times rise row by row; generated ids share their leading characters with the previous one).
    /// Random hex ids (trace, span, IP hash) and other one-off strings take DELTA_LENGTH_BYTE_ARRAY instead: their
    /// lengths go in a block of their own, so zstd's entropy coder sees nothing but hex digits (span_id 9.9 → 8.1
    /// bytes/row; 8 is the 64 bits it holds). Dictionaries lost on them (ip_hash 5.3 → 5.5): within a row group most
    /// values are new. Messages stay plain: their length prefixes help zstd find repeated lines (6.3 against 6.8).
    /// </summary>
    private static readonly Dictionary<string, ParquetEncoding> Encodings = new(StringComparer.Ordinal)
    {
        [Seq] = ParquetEncoding.DeltaBinaryPacked,
        [Timestamp] = ParquetEncoding.DeltaBinaryPacked,
        ["id"] = ParquetEncoding.DeltaByteArray,
        ["trace_id"] = ParquetEncoding.DeltaLengthByteArray,
        ["span_id"] = ParquetEncoding.DeltaLengthByteArray,
        ["request_id"] = ParquetEncoding.DeltaLengthByteArray,
        ["session_id"] = ParquetEncoding.DeltaLengthByteArray,
        ["user_id"] = ParquetEncoding.DeltaLengthByteArray,
        ["ip_hash"] = ParquetEncoding.DeltaLengthByteArray,
        ["stack_trace"] = ParquetEncoding.DeltaLengthByteArray,
    };

    /// <summary>
    /// Free text, compressed at <see cref="TextZstdLevel"/>: only there does a slower zstd find much more (message
    /// 6.3 → 5.0 bytes/row from level 1 to 9). Every other column is ids, numbers or dictionary indices, which level 1
    /// compresses as small as level 3 or better (span_id 8.1 against 8.7) for less CPU.
    /// </summary>
    private static readonly string[] TextColumns = ["message", "stack_trace"];

    /// <summary>zstd level of the columns other than <see cref="TextColumns"/>.</summary>
    internal const int ZstdLevel = 1;

    /// <summary>zstd level of <see cref="TextColumns"/>.</summary>
    internal const int TextZstdLevel = 9;

    internal static GroupNode Build() =>
        new("schema", Repetition.Required,
        [
            Integer(Seq, Repetition.Required),
            Integer(Timestamp, Repetition.Required),
            Text(Kind, Repetition.Required),
            Text(Level, Repetition.Required),
            .. Fields.Select(field => field.Type switch
            {
                FieldType.Integer => Integer(field.Name, Repetition.Optional),
                FieldType.Boolean => new PrimitiveNode(field.Name, Repetition.Optional, LogicalType.None(), PhysicalType.Boolean),
                _ => Text(field.Name, Repetition.Optional),
            }),
            Text(Attributes, Repetition.Optional),
        ]);

    /// <summary>zstd per column kind; dictionaries only where values repeat, delta encodings where they rise.</summary>
    internal static WriterProperties WriterProperties()
    {
        // The system allocator, not Arrow's default jemalloc pool, which keeps freed pages: peak RSS of a 2 M-event
        // load 741 → 690 MB at the same CPU (two A/B pairs, issue 14).
        using var builder = new WriterPropertiesBuilder()
            .MemoryPool(MemoryPool.SystemMemoryPool())
            .Compression(Compression.Zstd)
            .CompressionLevel(ZstdLevel)
            .MaxRowGroupLength(PartFileWriter.RowGroupRows);
        foreach (var column in TextColumns)
        {
            builder.CompressionLevel(column, TextZstdLevel);
        }

        foreach (var column in ColumnNames.Where(c => !LowCardinality.Contains(c)))
        {
            builder.DisableDictionary(column);
            if (Encodings.TryGetValue(column, out var encoding))
            {
                builder.Encoding(column, encoding);
            }
        }

        return builder.Build();
    }

    private static PrimitiveNode Integer(string name, Repetition repetition) => new(name, repetition, LogicalType.None(), PhysicalType.Int64);

    private static PrimitiveNode Text(string name, Repetition repetition) => new(name, repetition, LogicalType.String(), PhysicalType.ByteArray);
}
