using Microsoft.Extensions.Logging;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Storage.Partitions;

namespace Sluice.Storage.Retention;

/// <summary>
/// Carries out a cleanup on the storage worker's thread: plans it (<see cref="CleanupPlanner"/>), moves or deletes
/// the parts through one manifest change, and removes orphans — files no manifest lists, left by crashes.
/// The retention is read at each run, so a runtime change applies from the next one.
/// </summary>
internal sealed class CleanupRunner(Func<RetentionOptions> retention, PartCatalog catalog, PartStatsCache stats, ILogger logger, DependencyBreaker archive)
{
    private readonly PartCatalog _catalog = catalog;
    private readonly PartStatsCache _stats = stats;
    private readonly ILogger _logger = logger;

    private string PartitionsRoot => _catalog.Roots.Partitions;

    private string ArchiveRoot => _catalog.Roots.Archive;

    /// <summary>Runs (or with a dry run, only plans) the request; <paramref name="evictThrough"/> drops removed events from memory.</summary>
    public CleanupReport Run(CleanupRequest request, long startedMs, long startedTicks, Action<long> evictThrough)
    {
        var items = CleanupPlanner.Plan(_catalog.Current, retention(), startedMs, request);
        List<string> orphans = [];
        long orphanBytes = 0;
        if (!request.DryRun)
        {
            items = Apply(items, evictThrough);
        }

        if (request.Policy == CleanupPolicy.Scheduled)
        {
            // Looked for after the parts moved: a copy this run has just archived is listed by now, not an orphan.
            orphans = FindOrphans();
            orphanBytes = orphans.Sum(o => new FileInfo(o).Length);
        }

        if (!request.DryRun)
        {
            foreach (var orphan in orphans)
            {
                File.Delete(orphan);
            }

            RemoveEmptyDirectories(PartitionsRoot);
            RemoveEmptyDirectories(ArchiveRoot);
        }

        return new CleanupReport
        {
            Policy = request.Policy,
            DryRun = request.DryRun,
            StartedAtMs = startedMs,
            Trigger = request.Trigger,
            Roots = _catalog.Roots,
            Items = items,
            Orphans = orphans,
            OrphanBytes = orphanBytes,
            DurationMs = (long)System.Diagnostics.Stopwatch.GetElapsedTime(startedTicks).TotalMilliseconds,
        };
    }

    /// <summary>Carries out the plan; a part the archive could not take stays where it is (reported as kept) until a later run.</summary>
    private List<CleanupItem> Apply(List<CleanupItem> items, Action<long> evictThrough)
    {
        if (items.Count == 0)
        {
            return items;
        }

        var removed = new HashSet<string>(StringComparer.Ordinal);
        var archived = new List<PartInfo>();
        var done = new List<CleanupItem>(items.Count);
        foreach (var item in items)
        {
            if (item.Action == "archive")
            {
                if (TryArchive(item.Part) is not { } moved)
                {
                    done.Add(item with { Action = "keep", Reason = $"the archive is unavailable ({archive.LastError}); kept until it is back" });
                    continue;
                }

                archived.Add(moved);
            }

            removed.Add(item.Part.Path);
            done.Add(item);
        }

        if (removed.Count == 0)
        {
            return done;
        }

        if (archived.Count > 0)
        {
            CrashPoints.Reach(CrashPoints.ArchiveBeforeManifest);
        }

        var current = _catalog.Current;
        _catalog.Publish(current with { Parts = [.. current.Parts.Where(p => !removed.Contains(p.Path)), .. archived] },
            items.SelectMany(i => new[] { i.Part.Path, i.Part.StatsPath }));
        foreach (var path in removed)
        {
            _stats.Forget(path);
        }

        // Removed and archived events must not stay visible from memory: the chunks that held them are persisted.
        evictThrough(done.Where(i => removed.Contains(i.Part.Path)).Max(i => i.Part.MaxSeq));
        return done;
    }

    /// <summary>
    /// Copies a part into the archive through the <c>archive</c> breaker (retries with backoff, seed 002's breaker):
    /// null when the archive cannot take it now, so the part stays warm rather than being lost or failing the run.
    /// </summary>
    private PartInfo? TryArchive(PartInfo part)
    {
        try
        {
            // The worker's own thread: waiting here holds up only the worker, which would otherwise fail the job.
            return archive.ExecuteAsync(_ => ValueTask.FromResult(MoveToArchive(part))).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            _logger.LogWarning("Archiving {Part} failed: {Error}", part.Path, e.Message);
            return null;
        }
    }

    /// <summary>Copies a part and its stats into the archive, durably; the originals are retired by the caller.</summary>
    private PartInfo MoveToArchive(PartInfo part)
    {
        var target = PartLayout.Rebase(part.Path, PartitionsRoot, ArchiveRoot);
        AtomicFile.CreateDirectory(Path.GetDirectoryName(target)!);
        foreach (var (from, to) in new[] { (part.StatsPath, PartInfo.StatsPathOf(target)), (part.Path, target) })
        {
            File.Copy(from, to + AtomicFile.TempSuffix, overwrite: true);
            AtomicFile.Publish(to + AtomicFile.TempSuffix, to);
        }

        return part with { Path = target, Tier = PartTier.Archive };
    }

    /// <summary>Part, stats and temp files under partitions/ and archive/ that the manifest does not list.</summary>
    private List<string> FindOrphans()
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in _catalog.Current.Parts)
        {
            known.Add(part.Path);
            known.Add(part.StatsPath);
        }

        var orphans = new List<string>();
        foreach (var root in new[] { PartitionsRoot, ArchiveRoot })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var ours = file.EndsWith(PartLayout.Extension, StringComparison.Ordinal) || file.EndsWith(PartLayout.StatsExtension, StringComparison.Ordinal)
                    || file.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal);
                if (ours && !known.Contains(file) && !_catalog.IsRetired(file))
                {
                    orphans.Add(file);
                }
            }
        }

        return orphans;
    }

    /// <summary>
    /// Deletes orphans at start-up, before anything can be writing parts — but only once every part the manifest
    /// lists is where it says: if one is missing (a moved or half-restored directory), nothing is deleted and start-up
    /// stops, since the WAL behind those parts may already be trimmed.
    /// </summary>
    public int DeleteOrphans()
    {
        var missing = _catalog.Current.Parts.Where(p => !File.Exists(p.Path)).Select(p => p.Path).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"{missing.Count} parts listed in meta/manifest.json are missing (first: {missing[0]}); refusing to start rather than lose or delete data");
        }

        var orphans = FindOrphans();
        foreach (var orphan in orphans)
        {
            _logger.LogInformation("Deleting {Path}: no manifest lists it (left by a crash; its events are still in the WAL)", orphan);
            File.Delete(orphan);
        }

        return orphans.Count;
    }

    private static void RemoveEmptyDirectories(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
    }

}
