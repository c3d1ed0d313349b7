using Sluice.Core.Events;

namespace Sluice.Storage.Partitions;

/// <summary>Where a part lives: the warm partitions directory, or the cold archive.</summary>
public enum PartTier
{
    Partitions,
    Archive,
}

/// <summary>
/// One sealed Parquet part of a (kind, hour) partition, as the manifest lists it. <see cref="Path"/> is the full
/// path of the .parquet file; its statistics and summary sit beside it in a <c>.stats.json</c> file.
/// </summary>
public sealed record PartInfo
{
    public required string Path { get; init; }

    public required EventKind Kind { get; init; }

    /// <summary>Start of the hour the part's events belong to, epoch ms.</summary>
    public required long HourStart { get; init; }

    public required long Rows { get; init; }

    /// <summary>Bytes on disk of the part and its stats file.</summary>
    public required long Bytes { get; init; }

    /// <summary>Bytes its events took in the row format (what the WAL and hot tier hold): the base of the compression ratio.</summary>
    public long RawBytes { get; init; }

    public required long MinSeq { get; init; }

    public required long MaxSeq { get; init; }

    public required long MinTimestamp { get; init; }

    public required long MaxTimestamp { get; init; }

    public PartTier Tier { get; init; } = PartTier.Partitions;

    internal string StatsPath => StatsPathOf(Path);

    /// <summary>Written by compaction; a closed hour is rewritten until it is one such part.</summary>
    internal bool IsCompacted => System.IO.Path.GetFileName(Path).StartsWith(Compactor.FilePrefix, StringComparison.Ordinal);

    internal static string StatsPathOf(string partPath) => System.IO.Path.ChangeExtension(partPath, ".stats.json");

    public const long HourMs = 3_600_000;

    public static long HourOf(long timestamp) => Math.DivRem(timestamp, HourMs, out var rem) * HourMs - (rem < 0 ? HourMs : 0);
}
