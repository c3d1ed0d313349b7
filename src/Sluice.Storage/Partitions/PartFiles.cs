using System.Collections.Concurrent;
using ParquetSharp;
using Sluice.Core.Events;
using Sluice.Storage.Engine;

namespace Sluice.Storage.Partitions;

/// <summary>
/// The SQL that reads a set of parts. Parts written by an older version lack the columns of fields added since
/// (<c>sample_weight</c>); <c>union_by_name</c> fills those with NULL only when some file in the set has them, so a
/// set made only of old parts gets the missing columns as typed NULLs — old data stays readable after an upgrade.
/// </summary>
public static class PartFiles
{
    private static readonly ConcurrentDictionary<string, string[]> Missing = new(StringComparer.Ordinal);

    /// <summary>A FROM-clause expression over the parts, with every column of <see cref="PartSchema"/>.</summary>
    public static string ReadExpression(IReadOnlyList<string> paths)
    {
        var missing = paths.SelectMany(MissingColumns).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
        {
            // Every part has every column, in schema order: the engine binds the scan on one file's schema instead of
            // unifying them all by name, which was most of a query's preparation over dozens of parts (issue 14).
            return $"read_parquet({DuckDbEngine.FileList(paths)})";
        }

        var scan = $"read_parquet({DuckDbEngine.FileList(paths)}, union_by_name = true)";

        var nulls = string.Join(", ", missing.Select(name => $"CAST(NULL AS {SqlType(name)}) AS \"{name}\""));
        return $"(SELECT * FROM {scan} UNION ALL BY NAME SELECT {nulls} WHERE false)";
    }

    /// <summary>Canonical columns the file lacks; read from its footer once (parts never change once written).</summary>
    public static string[] MissingColumns(string path) => Missing.GetOrAdd(path, static p =>
    {
        try
        {
            using var reader = new ParquetFileReader(p);
            using var metadata = reader.FileMetaData;
            var schema = metadata.Schema;
            var present = Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Name).ToHashSet(StringComparer.Ordinal);
            return [.. PartSchema.Fields.Select(f => f.Name).Where(name => !present.Contains(name))];
        }
        catch (Exception e) when (e is IOException or ParquetException)
        {
            return []; // a file that cannot be opened fails in the engine with its own message
        }
    });

    private static string SqlType(string column) => PartSchema.Fields.First(f => f.Name == column).Type switch
    {
        FieldType.Integer => "BIGINT",
        FieldType.Boolean => "BOOLEAN",
        _ => "VARCHAR",
    };
}
