using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Storage.Partitions;

namespace Sluice.Storage.Retention;

/// <summary>
/// Decides which parts a cleanup removes, from the manifest and the clock alone, so a dry run lists exactly what
/// the real run then does. A part goes as a whole: its hour must be entirely past the rule's limit. With the
/// archive on, TTL and size move parts to the archive rather than deleting them; a manual cleanup deletes.
/// A request naming a kind touches only that kind's parts.
/// </summary>
internal static class CleanupPlanner
{
    public static List<CleanupItem> Plan(Manifest manifest, RetentionOptions options, long nowMs, CleanupRequest request)
    {
        var items = new List<CleanupItem>();
        var chosen = new HashSet<PartInfo>(ReferenceEqualityComparer.Instance);
        var archiving = options.ArchiveAfterHours > 0;
        var removeAction = archiving ? "archive" : "delete";

        void Take(PartInfo part, string action, string reason)
        {
            if (chosen.Add(part))
            {
                items.Add(new CleanupItem(part, action, reason));
            }
        }

        bool OfKind(PartInfo part) => request.Kind is null || part.Kind == request.Kind;

        if (request.Policy is CleanupPolicy.Ttl or CleanupPolicy.Scheduled)
        {
            foreach (var part in manifest.Parts.Where(OfKind))
            {
                var hourEnd = part.HourStart + PartInfo.HourMs;
                if (part.Tier == PartTier.Archive)
                {
                    if (options.ArchiveDays > 0 && hourEnd <= nowMs - (options.ArchiveDays * 24 * PartInfo.HourMs))
                    {
                        Take(part, "delete", $"archived longer than {options.ArchiveDays} d");
                    }

                    continue;
                }

                var ttlHours = part.Kind == EventKind.Traffic ? options.TrafficHours : options.LogDays * 24L;
                if (hourEnd <= nowMs - (ttlHours * PartInfo.HourMs))
                {
                    Take(part, removeAction, $"older than its time to live ({ttlHours} h)");
                }
                else if (archiving && hourEnd <= nowMs - (options.ArchiveAfterHours * PartInfo.HourMs))
                {
                    Take(part, "archive", $"older than {options.ArchiveAfterHours} h");
                }
            }
        }

        if (request.Policy is CleanupPolicy.Size or CleanupPolicy.Scheduled && options.MaxDiskBytes > 0)
        {
            // The cap is on all warm partitions; a cleanup limited to one kind drops only that kind's parts.
            var warm = manifest.Parts.Where(p => p.Tier == PartTier.Partitions && !chosen.Contains(p)).ToList();
            var total = warm.Sum(p => p.Bytes);
            foreach (var part in warm.Where(OfKind).OrderBy(p => p.HourStart).ThenBy(p => p.MinSeq))
            {
                if (total <= options.MaxDiskBytes)
                {
                    break;
                }

                Take(part, removeAction, $"partitions over the {options.MaxDiskBytes}-byte cap");
                total -= part.Bytes;
            }
        }

        if (request.Policy == CleanupPolicy.Manual)
        {
            var start = request.StartMs ?? long.MinValue;
            var end = request.EndMs ?? long.MaxValue;
            foreach (var part in manifest.Parts.Where(OfKind))
            {
                if (part.HourStart >= start && part.HourStart + PartInfo.HourMs <= end)
                {
                    Take(part, "delete", "manual cleanup");
                }
            }
        }

        return items;
    }
}
