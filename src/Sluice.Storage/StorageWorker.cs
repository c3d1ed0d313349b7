using Microsoft.Extensions.Logging;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;
using Sluice.Storage.Retention;
using Sluice.Storage.Wal;

namespace Sluice.Storage;

/// <summary>
/// The one thread that changes what is on disk besides the WAL: it seals chunks the hot tier hands over into
/// parts, compacts closed hours, and runs retention — so the manifest has a single writer and these jobs never
/// race each other. Work arrives as sealed chunks, as requests (flush, cleanup), and from a one-second tick.
/// </summary>
internal sealed class StorageWorker : ISealedChunkSink, IDisposable
{
    private readonly SluiceOptions _options;
    private readonly DataDirectory _data;
    private readonly PartCatalog _catalog;
    private readonly PartStatsCache _stats;
    private readonly DuckDbEngine _engine;
    private readonly IClock _clock;
    private readonly ILogger _logger;
    private readonly CleanupRunner _cleanup;
    private volatile RetentionOptions _retention;
    private readonly object _gate = new();
    private readonly List<HotChunk> _pending = [];
    private readonly Queue<(Action Run, Action<Exception> Fail)> _requests = new();
    private Thread? _thread;
    private HotTier? _hot;
    private WriteAheadLog? _wal;
    private Sinks.SinkSet? _sinks;
    private bool _stopping;
    private volatile bool _paused;
    private long _nextCleanupMs;
    private long _retryAfterTicks;

    public StorageWorker(SluiceOptions options, DataDirectory data, PartCatalog catalog, PartStatsCache stats, DuckDbEngine engine, IClock clock, ILogger logger, Sluice.Core.Resilience.DependencyBreaker? archive = null)
    {
        _options = options;
        _data = data;
        _catalog = catalog;
        _stats = stats;
        _engine = engine;
        _clock = clock;
        _logger = logger;
        _retention = options.Retention;
        _cleanup = new CleanupRunner(() => _retention, catalog, stats, logger,
            archive ?? new Sluice.Core.Resilience.DependencyBreaker("archive", options.Breakers, static e => e is IOException or UnauthorizedAccessException));
    }

    public StorageStats Stats { get; } = new();

    /// <summary>
    /// The retention in force: read afresh by every cleanup, eviction and scheduling of the next run, so a runtime
    /// change applies from the next one (a run already under way finishes with the values it started with).
    /// </summary>
    public RetentionOptions Retention
    {
        get => _retention;
        set => _retention = value;
    }


    /// <summary>Starts the thread once the WAL has been replayed into the hot tier.</summary>
    public void Start(HotTier hot, WriteAheadLog wal, Sinks.SinkSet? sinks = null)
    {
        _hot = hot;
        _wal = wal;
        _sinks = sinks;
        _nextCleanupMs = _clock.UnixMilliseconds + 60_000;
        _thread = new Thread(Loop) { IsBackground = true, Name = "sluice-storage" };
        _thread.Start();
    }

    /// <summary>
    /// Fault injection: while paused the worker seals, compacts and cleans nothing (requests wait), as if the disk
    /// had stalled — how tests reach ingest backpressure deterministically.
    /// </summary>
    public bool Paused
    {
        get => _paused;
        set
        {
            lock (_gate)
            {
                _paused = value;
                Monitor.Pulse(_gate);
            }
        }
    }

    public void Accept(HotChunk chunk)
    {
        lock (_gate)
        {
            _pending.Add(chunk);
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Seals every acknowledged event into parts now. Completes when they are durable and listed.</summary>
    public Task FlushAsync() => Run(() =>
    {
        _hot!.SealCurrent();
        SealPending(force: true);
        return true;
    });

    public Task<CleanupReport> CleanupAsync(CleanupRequest request) => Run(() => Cleanup(request));

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        _thread?.Join();

        // Whoever still waits on a flush or a cleanup learns it will not run, rather than waiting for ever.
        lock (_gate)
        {
            while (_requests.TryDequeue(out var request))
            {
                request.Fail(new InvalidOperationException("storage is shutting down"));
            }
        }
    }

    private Task<T> Run<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stopping || _thread is null)
            {
                return Task.FromException<T>(new InvalidOperationException("storage is not running"));
            }

            _requests.Enqueue((() =>
            {
                try
                {
                    done.SetResult(work());
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }, e => done.TrySetException(e)));
            Monitor.Pulse(_gate);
        }

        return done.Task;
    }

    private void Loop()
    {
        while (true)
        {
            (Action Run, Action<Exception> Fail) request = default;
            lock (_gate)
            {
                if (_stopping)
                {
                    return;
                }

                if (_requests.Count == 0 || _paused)
                {
                    Monitor.Wait(_gate, 1000);
                }

                if (_paused)
                {
                    continue;
                }

                _requests.TryDequeue(out request);
            }

            try
            {
                if (request.Run is not null)
                {
                    request.Run();
                    continue;
                }

                Tick();
            }
            catch (Exception e)
            {
                // Disk full, a damaged part…: nothing is lost (the WAL still holds every unsealed event); try again later.
                Stats.AddFailure();
                _retryAfterTicks = Environment.TickCount64 + 10_000;
                _logger.LogError(e, "Storage job failed; retrying in 10 s: {Reason}", e.Message);
            }
        }
    }

    private void Tick()
    {
        if (Environment.TickCount64 < _retryAfterTicks)
        {
            return;
        }

        // Each job on its own: a seal that keeps failing (a full disk) must not stop the cleanup that frees space.
        if (_clock.UnixMilliseconds >= _nextCleanupMs)
        {
            _nextCleanupMs = _clock.UnixMilliseconds + (_retention.CleanupIntervalMinutes * 60_000L);
            Attempt("cleanup", () => Cleanup(new CleanupRequest { Policy = CleanupPolicy.Scheduled, Trigger = "schedule" }));
        }

        Attempt("seal", () =>
        {
            if (_hot!.CurrentChunkAgeMs > _options.Storage.SealIntervalSeconds * 1000L)
            {
                _hot.SealCurrent();
            }

            SealPending(force: false);
            _hot.Evict(_retention.HotHours * PartInfo.HourMs, _clock.UnixMilliseconds);
        });
        Attempt("compaction", Compact);
        _stats.Retain(_catalog.Current);
    }

    private void Attempt(string job, Action work)
    {
        try
        {
            work();
        }
        catch (Exception e)
        {
            // Nothing is lost (the WAL still holds every unsealed event); the job runs again after a pause.
            Stats.AddFailure();
            _retryAfterTicks = Environment.TickCount64 + 10_000;
            _logger.LogError(e, "Storage {Job} failed; retrying in 10 s: {Reason}", job, e.Message);
        }
    }

    /// <summary>Writes the pending chunks as parts when enough bytes wait, the oldest has waited long enough, or when forced.</summary>
    private void SealPending(bool force)
    {
        List<HotChunk> chunks;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var bytes = _pending.Sum(c => (long)c.UsedBytes);
            var waited = Environment.TickCount64 - _pending[0].SealedTicks;
            // Ingest waits once unpersisted rows pass Hot:MaxBytes; seal early rather than let it.
            var pressed = _hot!.UnpersistedBytes > _options.Hot.MaxBytes / 2;
            if (!force && !pressed && bytes < _options.Storage.SealBytes && waited < _options.Storage.SealIntervalSeconds * 1000L)
            {
                return;
            }

            chunks = [.. _pending];
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (parts, persistedThrough) = ChunkSealer.Write(chunks, _catalog.Roots.Partitions);
        CrashPoints.Reach(CrashPoints.SealBeforeManifest);
        var current = _catalog.Current;
        _catalog.Publish(new Manifest(persistedThrough, [.. current.Parts, .. parts]), []);
        lock (_gate)
        {
            _pending.RemoveRange(0, chunks.Count);
        }

        var persistedAt = _clock.UnixMilliseconds;
        foreach (var chunk in chunks)
        {
            chunk.PersistedAtMs = persistedAt;
            chunk.IsPersisted = true;
        }

        Stats.AddSealed(chunks.Sum(c => (long)c.Count), parts.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        _hot!.Evict(_retention.HotHours * PartInfo.HourMs, _clock.UnixMilliseconds);
        CrashPoints.Reach(CrashPoints.SealBeforeTrim);
        _wal!.TrimThrough(_sinks?.TrimLimit(persistedThrough) ?? persistedThrough);
    }

    private void Compact()
    {
        var closedBefore = _clock.UnixMilliseconds - (_options.Storage.CompactAfterMinutes * 60_000L) - PartInfo.HourMs;
        var groups = _catalog.Current.Parts
            .Where(p => p.HourStart <= closedBefore)
            .GroupBy(p => (p.Kind, p.HourStart, p.Tier))
            .Where(g => CompactionPolicy.NeedsMerge([.. g], _options.Storage.CompactPartsUnderRows))
            .ToList();
        foreach (var group in groups)
        {
            var parts = group.OrderBy(p => p.MinSeq).ToList();
            var merged = Compactor.Merge(_engine, parts, _options.Storage.CompactionZstdLevel, _stats.Get);
            CrashPoints.Reach(CrashPoints.CompactBeforeManifest);
            var current = _catalog.Current;
            var replaced = new HashSet<string>(parts.Select(p => p.Path), StringComparer.Ordinal);
            _catalog.Publish(current with { Parts = [.. current.Parts.Where(p => !replaced.Contains(p.Path)), merged] },
                parts.SelectMany(p => new[] { p.Path, p.StatsPath }));
            foreach (var part in parts)
            {
                _stats.Forget(part.Path);
            }

            Stats.AddCompaction();
        }
    }

    /// <summary>Whether compaction merges this (kind, hour, tier) group of parts once the hour is closed.</summary>
    internal bool NeedsMerge(IReadOnlyCollection<PartInfo> hour) => CompactionPolicy.NeedsMerge(hour, _options.Storage.CompactPartsUnderRows);

    private CleanupReport Cleanup(CleanupRequest request)
    {
        var started = _clock.UnixMilliseconds;
        var ticks = System.Diagnostics.Stopwatch.GetTimestamp();
        if (request.Policy == CleanupPolicy.Manual)
        {
            // Seal what is in memory, so the range's newest events are in parts and go with them (and a dry run
            // lists them too: sealing changes where events are kept, not which). If sealing fails (a full disk),
            // the cleanup still removes what is sealed — freeing space is what it may be for.
            Attempt("seal before a manual cleanup", () =>
            {
                _hot!.SealCurrent();
                SealPending(force: true);
            });
        }

        var report = _cleanup.Run(request, started, ticks, _hot!.EvictThrough);
        if (!request.DryRun)
        {
            CleanupRecord.Save(_data.Meta, report);
            Stats.AddCleanup(report.EventsRemoved, report.BytesFreed);
        }

        return report;
    }

    /// <summary>Deletes orphans at start-up (see <see cref="CleanupRunner.DeleteOrphans"/>).</summary>
    public int DeleteOrphans() => _cleanup.DeleteOrphans();
}
