using Parquet.Schema;
using Sluice.Core.Events;

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

    /// <summary>The canonical fields, in the order their columns follow the four fixed ones.</summary>
    public static readonly FieldInfo[] Fields = [.. FieldCatalog.All];

    /// <summary>Every column name, in file order.</summary>
    public static readonly string[] ColumnNames = [Seq, Timestamp, Kind, Level, .. Fields.Select(f => f.Name), Attributes];

    /// <summary>Columns whose few distinct values make dictionary encoding pay.</summary>
    public static readonly HashSet<string> LowCardinality =
        [Kind, Level, "service", "system", "host", "domain", "category", "method", "path", "country", "decision", "reason", "template", "pattern_id", "status", "priority", "risk"];

    public static ParquetSchema Build() =>
        new([
            new DataField<long>(Seq),
            new DataField<long>(Timestamp),
            new DataField<string>(Kind, false),
            new DataField<string>(Level, false),
            .. Fields.Select(ToField),
            new DataField<string>(Attributes, true),
        ]);

    private static DataField ToField(FieldInfo field) => field.Type switch
    {
        FieldType.Integer => new DataField<long?>(field.Name),
        FieldType.Boolean => new DataField<bool?>(field.Name),
        _ => new DataField<string>(field.Name, true),
    };
}
