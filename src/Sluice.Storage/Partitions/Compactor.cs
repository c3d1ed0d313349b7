using System.Globalization;
using Sluice.Core.Events;
using Sluice.Storage.Engine;
using Sluice.Storage.IO;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Merges the parts of one (kind, hour) into one part, rewritten by DuckDB in sort order at a higher zstd level:
/// each seal writes a part per hour it touched, and late events add more. The new part and its merged stats are
/// durable before the manifest swaps them in; the old files are retired, so a crash leaves one set or the other.
/// </summary>
internal static class Compactor
{
    public static PartInfo Merge(DuckDbEngine engine, IReadOnlyList<PartInfo> parts, int zstdLevel, Func<PartInfo, PartStats> stats)
    {
        var first = parts[0];
        var minSeq = parts.Min(p => p.MinSeq);
        var maxSeq = parts.Max(p => p.MaxSeq);
        var root = Path.GetDirectoryName(first.Path)!;
        var path = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"compact-{minSeq:D12}-{maxSeq:D12}{PartLayout.Extension}"));
        var temp = path + AtomicFile.TempSuffix;

        PartStats.Merge(parts.Select(stats)).Write(PartInfo.StatsPathOf(path));

        var order = first.Kind == EventKind.Traffic ? "domain, decision, timestamp, seq" : "service, level, timestamp, seq";
        var columns = string.Join(", ", PartSchema.ColumnNames.Select(c => '"' + c + '"'));
        using (var connection = engine.Rent())
        using (var command = connection.Command(string.Create(CultureInfo.InvariantCulture,
            $"COPY (SELECT {columns} FROM read_parquet({DuckDbEngine.FileList(parts.Select(p => p.Path))}, union_by_name = true) ORDER BY {order}) " +
            $"TO {DuckDbEngine.Literal(temp)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {zstdLevel}, ROW_GROUP_SIZE 122880)")))
        {
            command.ExecuteNonQuery();
        }

        AtomicFile.Publish(temp, path);
        return new PartInfo
        {
            Path = path,
            Kind = first.Kind,
            HourStart = first.HourStart,
            Rows = parts.Sum(p => p.Rows),
            RawBytes = parts.Sum(p => p.RawBytes),
            Bytes = new FileInfo(path).Length + new FileInfo(PartInfo.StatsPathOf(path)).Length,
            MinSeq = minSeq,
            MaxSeq = maxSeq,
            MinTimestamp = parts.Min(p => p.MinTimestamp),
            MaxTimestamp = parts.Max(p => p.MaxTimestamp),
            Tier = first.Tier,
        };
    }
}
