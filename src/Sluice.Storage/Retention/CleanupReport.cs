using System.Text.Json.Nodes;
using Sluice.Storage.Partitions;

namespace Sluice.Storage.Retention;

/// <summary>What one part's cleanup did (or, in a dry run, would do).</summary>
public sealed record CleanupItem(PartInfo Part, string Action, string Reason);

/// <summary>
/// The outcome of a cleanup, and the record of the last run kept in <c>meta/cleanup-last-run.json</c> — the
/// embedded form of the seed's <c>meta:cleanup:last_run</c> key: when, which policy, what was removed, bytes freed.
/// </summary>
public sealed record CleanupReport
{
    public required CleanupPolicy Policy { get; init; }

    public required bool DryRun { get; init; }

    public required long StartedAtMs { get; init; }

    public required string Trigger { get; init; }

    /// <summary>Where the tiers live: paths are reported relative to them, never as paths of the server's disk.</summary>
    public required PartRoots Roots { get; init; }

    public IReadOnlyList<CleanupItem> Items { get; init; } = [];

    /// <summary>Files under partitions/ or archive/ that no manifest lists (crash leftovers).</summary>
    public IReadOnlyList<string> Orphans { get; init; } = [];

    public long OrphanBytes { get; init; }

    public long DurationMs { get; init; }

    public long BytesFreed => Items.Where(i => i.Action == "delete").Sum(i => i.Part.Bytes) + OrphanBytes;

    public long EventsRemoved => Items.Where(i => i.Action == "delete").Sum(i => i.Part.Rows);

    public JsonObject ToJson()
    {
        var items = new JsonArray();
        foreach (var item in Items)
        {
            items.Add(new JsonObject
            {
                ["action"] = item.Action,
                ["reason"] = item.Reason,
                ["kind"] = PartSchema.KindName(item.Part.Kind),
                ["hour"] = DateTimeOffset.FromUnixTimeMilliseconds(item.Part.HourStart).UtcDateTime.ToString("yyyy-MM-dd'T'HH':00:00Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["tier"] = item.Part.Tier == PartTier.Archive ? "archive" : "partitions",
                ["path"] = Roots.Display(item.Part.Path),
                ["events"] = item.Part.Rows,
                ["bytes"] = item.Part.Bytes,
            });
        }

        return new JsonObject
        {
            ["timestamp"] = DateTimeOffset.FromUnixTimeMilliseconds(StartedAtMs).UtcDateTime,
            ["policy"] = Policy.ToString().ToLowerInvariant(),
            ["trigger"] = Trigger,
            ["dry_run"] = DryRun,
            ["partitions_removed"] = Items.Count(i => i.Action == "delete"),
            ["partitions_archived"] = Items.Count(i => i.Action == "archive"),
            ["events_removed"] = EventsRemoved,
            ["bytes_freed"] = BytesFreed,
            ["duration_ms"] = DurationMs,
            ["items"] = items,
            ["orphans"] = new JsonArray([.. Orphans.Select(o => (JsonNode)Roots.Display(o))]),
        };
    }
}
