using System.Globalization;
using Sluice.Core.IO;
using Sluice.Storage.Engine;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Rewrites the parts of one closed (kind, hour) as one part, by DuckDB, in time order at a higher zstd level: each
/// seal writes a part per hour it touched (fast, for ingest's sake), and late events add more. The new part and its
/// merged stats are durable before the manifest swaps them in; the old files are retired, so a crash leaves one set
/// or the other. Time order compressed best of the orders tried (26.9 bytes per event, against 27.6 sorted by
/// service), and keeps row-group statistics useful for time ranges.
/// </summary>
internal static class Compactor
{
    public const string FilePrefix = "compact-";

    /// <summary>
    /// Rows per row group of a compacted part: small enough that a time span (a trace, a minute) reads one group of
    /// an hour, large enough to cost nothing in size (32,768: 26.0 bytes/row against 26.1 at DuckDB's 122,880 and
    /// 28.2 at 4,096; a trace lookup 9.8 ms against 13.3 ms, on one hour of the standard dataset).
    /// </summary>
    private const int RowGroupRows = 32_768;

    public static PartInfo Merge(DuckDbEngine engine, IReadOnlyList<PartInfo> parts, int zstdLevel, Func<PartInfo, PartStats> stats)
    {
        var first = parts[0];
        var minSeq = parts.Min(p => p.MinSeq);
        var maxSeq = parts.Max(p => p.MaxSeq);
        var root = Path.GetDirectoryName(first.Path)!;
        var path = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{FilePrefix}{minSeq:D12}-{maxSeq:D12}{PartLayout.Extension}"));
        var temp = path + AtomicFile.TempSuffix;

        try
        {
            PartStats.Merge(parts.Select(stats)).Write(PartInfo.StatsPathOf(path));

            var columns = string.Join(", ", PartSchema.ColumnNames.Select(c => '"' + c + '"'));
            // PARQUET_VERSION V2 lets DuckDB use the delta encodings seals use too: the compacted parts of the standard
            // dataset took 26.1 bytes/row against 27.4, for 10 % more time in one run (issue 14, docs/benchmarks.md).
            using (var connection = engine.Rent())
            using (var command = connection.Command(string.Create(CultureInfo.InvariantCulture,
                $"COPY (SELECT {columns} FROM {PartFiles.ReadExpression([.. parts.Select(p => p.Path)])} ORDER BY timestamp, seq) " +
                $"TO {DuckDbEngine.Literal(temp)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {zstdLevel}, PARQUET_VERSION V2, ROW_GROUP_SIZE {RowGroupRows})")))
            {
                command.ExecuteNonQuery();
            }

            AtomicFile.Publish(temp, path);
        }
        catch
        {
            AtomicFile.Discard(temp, PartInfo.StatsPathOf(path));
            throw;
        }

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
