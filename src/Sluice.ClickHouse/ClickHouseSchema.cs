using Sluice.Core.Events;
using Sluice.Storage.Partitions;

namespace Sluice.ClickHouse;

/// <summary>
/// Sluice's tables in ClickHouse, one per kind with the columns of a sealed part (docs/storage.md) plus
/// <c>node</c> (who took the event; with <c>seq</c> it names it uniquely) and the attributes twice: as the part's JSON
/// object (what answers return) and as two arrays (what filters read, since 18.16 has no JSON functions).
/// <para>
/// Every statement here runs on 18.16 and on current ClickHouse; what differs between them is kept in
/// <see cref="ClickHouseDialect"/>.
/// </para>
/// </summary>
public static class ClickHouseSchema
{
    public const string Node = "node";
    public const string AttributeKeys = "attr_keys";
    public const string AttributeValues = "attr_values";

    /// <summary>The kind's table (the <c>Distributed</c> one when sharded): <c>logs</c> or <c>traffic</c>.</summary>
    public static string Table(EventKind kind) => kind == EventKind.Traffic ? "traffic" : "logs";

    /// <summary>The kind's table on a shard, when the store is sharded.</summary>
    public static string LocalTable(EventKind kind) => Table(kind) + "_local";

    /// <summary>Both kinds as one table (a <c>Merge</c> table over <c>logs</c> and <c>traffic</c>).</summary>
    public const string Events = "events";

    public static readonly EventKind[] Kinds = [EventKind.Log, EventKind.Traffic];

    /// <summary>Columns whose few distinct values make a dictionary pay (the parts' own list).</summary>
    private static readonly HashSet<string> LowCardinality =
        ["service", "system", "host", "domain", "category", "method", "path", "country", "decision", "reason", "template", "pattern_id"];

    /// <summary>Every column, in table order, with its ClickHouse type.</summary>
    public static IReadOnlyList<(string Name, string Type)> Columns { get; } =
    [
        (Node, "LowCardinality(String)"),
        (PartSchema.Seq, "Int64"),
        (PartSchema.Timestamp, "Int64"),
        (PartSchema.Kind, "LowCardinality(String)"),
        (PartSchema.Level, "LowCardinality(String)"),
        .. PartSchema.Fields.Select(f => (f.Name, f.Type switch
        {
            FieldType.Integer => "Nullable(Int64)",
            FieldType.Boolean => "Nullable(UInt8)",
            _ when LowCardinality.Contains(f.Name) => "LowCardinality(Nullable(String))",
            _ => "Nullable(String)",
        })),
        (PartSchema.Attributes, "Nullable(String)"),
        (AttributeKeys, "Array(String)"),
        (AttributeValues, "Array(String)"),
    ];

    /// <summary>
    /// Daily partitions (retention drops whole days: 18.16 has no TTL), ordered by hour, then the field most questions
    /// of that kind name, then time: a range reads only its hours, and within an hour one service's (or domain's)
    /// events lie together.
    /// </summary>
    public static string Engine(EventKind kind) =>
        "MergeTree() PARTITION BY toYYYYMMDD(toDateTime(intDiv(timestamp, 1000))) " +
        $"ORDER BY (toStartOfHour(toDateTime(intDiv(timestamp, 1000))), ifNull({(kind == EventKind.Traffic ? "domain" : "service")}, ''), timestamp)";

    public static string CreateDatabase(string database) => $"CREATE DATABASE IF NOT EXISTS {database}";

    public static string CreateTable(string database, string table, EventKind kind) =>
        $"CREATE TABLE IF NOT EXISTS {database}.{table} ({ColumnList()}) ENGINE = {Engine(kind)}";

    private static string ColumnList() => string.Join(", ", Columns.Select(c => c.Name + " " + c.Type));

    /// <summary>The kind's table over every shard's local table (rows spread by the writing node, so <c>rand()</c> only matters for direct inserts).</summary>
    public static string CreateDistributed(string database, EventKind kind, string cluster) =>
        $"CREATE TABLE IF NOT EXISTS {database}.{Table(kind)} ({ColumnList()}) " +
        $"ENGINE = Distributed({cluster}, {database}, {LocalTable(kind)}, rand())";

    public static string CreateEvents(string database) =>
        $"CREATE TABLE IF NOT EXISTS {database}.{Events} AS {database}.{Table(EventKind.Log)} ENGINE = Merge({database}, '^(logs|traffic)$')";
}
