using System.Globalization;
using Sluice.Core.Events;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Directory layout of parts (DESIGN §6): <c>&lt;root&gt;/&lt;kind&gt;/&lt;yyyy-MM-dd&gt;/&lt;HH&gt;/part-&lt;firstSeq&gt;-&lt;lastSeq&gt;.parquet</c>,
/// the same under partitions/ and archive/, so an archived hour is found where a person would look.
/// </summary>
internal static class PartLayout
{
    public const string Extension = ".parquet";
    public const string StatsExtension = ".stats.json";
    public const string TempSuffix = ".tmp";

    public static string HourDirectory(string root, EventKind kind, long hourStart)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(hourStart).UtcDateTime;
        return Path.Combine(root, PartSchema.KindName(kind), time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), time.ToString("HH", CultureInfo.InvariantCulture));
    }

    public static string PartPath(string root, EventKind kind, long hourStart, long firstSeq, long lastSeq, string tag = "part") =>
        Path.Combine(HourDirectory(root, kind, hourStart), string.Create(CultureInfo.InvariantCulture, $"{tag}-{firstSeq:D12}-{lastSeq:D12}{Extension}"));

    /// <summary>The path of the same part under another root (used when a part moves to the archive).</summary>
    public static string Rebase(string path, string fromRoot, string toRoot) =>
        Path.Combine(toRoot, Path.GetRelativePath(fromRoot, path));
}
