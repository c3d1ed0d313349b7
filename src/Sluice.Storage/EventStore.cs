using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;
using Sluice.Storage.Retention;
using Sluice.Storage.Sinks;
using Sluice.Storage.Wal;

namespace Sluice.Storage;

/// <summary>
/// The storage door (DESIGN §6, "The door"): accepted batches go to the WAL, from it to the hot tier, and from there —
/// chunk by chunk — into sealed hourly parts, after which their WAL segments are trimmed. Three sides face out:
/// <list type="bullet">
/// <item>write — <see cref="ReserveAsync"/> room, then <see cref="AppendAsync"/> a batch;</item>
/// <item>read — <see cref="OpenSnapshot"/>: memory plus parts, consistent;</item>
/// <item>operate — <see cref="Recover"/>, readiness, <see cref="FlushAsync"/>, <see cref="CleanupAsync"/>, stats.</item>
/// </list>
/// Everything behind it (WAL, hot tier, catalog, worker, engines) is internal. Readiness is reached once recovery has
/// replayed the part of the WAL that is not in parts yet; until then appends are refused.
/// </summary>
public sealed class EventStore : IDisposable
{
    private readonly DataDirectory _data;
    private readonly ILogger _logger;
    private readonly long _hotLimit;
    private long _reserved;
    private volatile bool _ready;
    private volatile bool _weighted;

    public EventStore(SluiceOptions options, DataDirectory data, IClock clock, ILogger logger, Sluice.Core.Resilience.Dependencies? dependencies = null)
    {
        _data = data;
        _logger = logger;
        _hotLimit = options.Hot.MaxBytes;
        var archive = string.IsNullOrEmpty(options.Retention.ArchiveDir) ? data.Archive : Path.GetFullPath(options.Retention.ArchiveDir);
        Catalog = new PartCatalog(data.Meta, new PartRoots(data.Partitions, archive), logger);
        PartStats = new PartStatsCache();
        Engine = new DuckDbEngine(options.Storage);
        Sandbox = new DuckDbEngine(options.Storage, [data.Partitions, archive]);
        Worker = new StorageWorker(options, data, Catalog, PartStats, Engine, clock, logger,
            dependencies?.Breaker("archive", options.Breakers, static e => e is IOException or UnauthorizedAccessException));
        Hot = new HotTier(options.Hot, Worker, logger);
        Wal = new WriteAheadLog(data.Wal, options.Wal, options.Durability, Hot, logger);
        Sinks = new SinkSet(Path.Combine(data.Meta, "sinks"), data.Wal, options.Sinks.BatchEvents, options.Sinks.CursorSaveMs, options.Sinks.MaxLagMb * 1024L * 1024, logger);
    }

    /// <summary>Where acknowledged events are shipped, each through its own durable cursor over the WAL.</summary>
    public SinkSet Sinks { get; }

    internal HotTier Hot { get; }

    internal WriteAheadLog Wal { get; }

    /// <summary>The sealed parts (warm partitions and archive).</summary>
    internal PartCatalog Catalog { get; }

    internal PartStatsCache PartStats { get; }

    /// <summary>The embedded query engine over the parts.</summary>
    internal DuckDbEngine Engine { get; }

    /// <summary>The engine user-written SQL and language queries run on: it reads the parts and nothing else.</summary>
    internal DuckDbEngine Sandbox { get; }

    /// <summary>Sealing, compaction and retention.</summary>
    internal StorageWorker Worker { get; }

    /// <summary>Recovered, and the log takes writes.</summary>
    public bool IsReady => _ready && Wal.Fault is null;

    /// <summary>
    /// Whether any stored event may carry a <c>sample_weight</c> above 1. Until one does, counts read no weight
    /// column (it costs a column scan per count). Kept as a marker file in meta/, written (and fsynced) before the
    /// first such event is appended, so recovery knows it without reading any part or event.
    /// </summary>
    public bool HasWeightedEvents => _weighted;

    /// <summary>Call before appending an event with a weight above 1; cheap once it has been called.</summary>
    public void NoteWeightedEvents()
    {
        if (_weighted)
        {
            return;
        }

        lock (_data)
        {
            if (!_weighted)
            {
                AtomicFile.Write(WeightedMarker, "sampled events are stored here\n"u8);
                _weighted = true;
            }
        }
    }

    private string WeightedMarker => Path.Combine(_data.Meta, "weighted-events");

    /// <summary>True while recovery runs (as opposed to a log that failed).</summary>
    public bool IsRecovering => !_ready;

    /// <summary>
    /// Deletes part files a crash left unlisted, replays the WAL events that no part holds into the hot tier,
    /// opens the log for appends and starts the storage worker. Runs once, at start.
    /// </summary>
    /// <param name="beforeReady">Reads the recovered store before the log takes appends (seeding the duplicate filter).</param>
    public void Recover(Action<StorageSnapshot>? beforeReady = null)
    {
        var started = Environment.TickCount64;
        var orphans = Worker.DeleteOrphans();
        var persisted = Catalog.Current.PersistedThroughSeq;
        Hot.SkipThrough(persisted);
        var result = Wal.Open(persisted);
        Worker.Start(Hot, Wal, Sinks);
        _weighted = File.Exists(WeightedMarker);
        if (beforeReady is not null)
        {
            using var snapshot = OpenSnapshot();
            beforeReady(snapshot);
        }

        _ready = true;
        Sinks.Start(Hot, Wal, () => Catalog.Current.PersistedThroughSeq);
        _logger.LogInformation(
            "Recovered {Events} events from {Records} WAL records in {Ms} ms ({Persisted} already in {Parts} parts); cut {Bytes} torn bytes; deleted {Orphans} orphan files",
            result.Events, result.Records, Environment.TickCount64 - started, persisted, Catalog.Current.Parts.Count, result.TruncatedBytes, orphans);
    }

    /// <summary>Why the log takes no writes (a failed fsync latches it), or null.</summary>
    public string? Fault => Wal.Fault;

    /// <summary>
    /// Takes a consistent view of memory plus parts (see <see cref="StorageSnapshot"/>); dispose it once its rows and
    /// parts have been read. The one way to read stored events.
    /// </summary>
    public StorageSnapshot OpenSnapshot() => StorageSnapshot.Take(Hot, Catalog, PartStats, Engine, Sandbox);

    /// <summary>Where the two tiers of parts live (the SQL worker processes read them; answers name parts relative to them).</summary>
    public PartRoots Roots => Catalog.Roots;

    /// <summary>Appends a batch; completes when it is durable and visible. Throws <see cref="WalUnavailableException"/> before recovery.</summary>
    public Task<long> AppendAsync(ReadOnlyMemory<byte> rows, int eventCount) =>
        _ready ? Wal.AppendAsync(rows, eventCount) : Task.FromException<long>(new WalUnavailableException("recovery is still running"));

    /// <summary>
    /// Backpressure: reserves room for a batch of <paramref name="bytes"/> among the rows not yet sealed into parts
    /// (they cannot leave memory) plus the batches already admitted and still on their way to the hot tier, bounded by
    /// <see cref="HotTierOptions.MaxBytes"/>. Waits up to <paramref name="max"/> for sealing to make room; null if
    /// there is none then (the caller answers 503). Dispose the reservation once the batch is appended. A batch is
    /// always admitted when nothing else is in flight and memory is within the bound, so no batch waits for ever.
    /// </summary>
    public async ValueTask<IDisposable?> ReserveAsync(long bytes, TimeSpan max, CancellationToken cancel)
    {
        var deadline = Environment.TickCount64 + (long)max.TotalMilliseconds;
        while (true)
        {
            var reserved = Volatile.Read(ref _reserved);
            var unsealed = Hot.UnpersistedBytes;
            var fits = unsealed + reserved + bytes <= _hotLimit || (reserved == 0 && unsealed <= _hotLimit);
            if (fits && Interlocked.CompareExchange(ref _reserved, reserved + bytes, reserved) == reserved)
            {
                return new Reservation(this, bytes);
            }

            if (fits)
            {
                continue; // another request took room first: look again at once
            }

            if (Environment.TickCount64 >= deadline)
            {
                return null;
            }

            await Task.Delay(5, cancel);
        }
    }

    private sealed class Reservation(EventStore store, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Add(ref store._reserved, -bytes);
            }
        }
    }

    /// <summary>Seals every acknowledged event into parts now. Completes when they are durable and listed.</summary>
    public Task FlushAsync() => Worker.FlushAsync();

    /// <summary>Runs a cleanup on the storage worker, or with <see cref="CleanupRequest.DryRun"/> only plans it.</summary>
    public Task<CleanupReport> CleanupAsync(CleanupRequest request) => Worker.CleanupAsync(request);

    /// <summary>
    /// Applies changed retention from the next cleanup and eviction on. <c>ArchiveDir</c> is not taken: the archive
    /// root is fixed at start, since parts already archived are listed under it.
    /// </summary>
    public void UseRetention(RetentionOptions retention) => Worker.Retention = retention;

    /// <summary>The record of the last cleanup run (the seed's <c>meta:cleanup:last_run</c>), or null if none has run.</summary>
    public JsonObject? LastCleanup() => CleanupRecord.Read(_data.Meta);

    /// <summary>Counters of sealing, compaction, cleanup and failed jobs since start.</summary>
    public StorageStats Stats => Worker.Stats;

    /// <summary>Counters of the WAL since start.</summary>
    public WalStats WalStats => Wal.Stats;

    /// <summary>How many of <paramref name="parts"/> compaction would merge, hour by hour.</summary>
    public int PartsAwaitingCompaction(IEnumerable<PartInfo> parts) =>
        parts.GroupBy(p => (p.Kind, p.HourStart, p.Tier)).Where(hour => Worker.NeedsMerge([.. hour])).Sum(hour => hour.Count());

    /// <summary>Bytes of WAL segments on disk.</summary>
    public long WalDiskBytes() =>
        WalRecovery.ListSegments(_data.Wal).Sum(s => new FileInfo(s.Path).Length);

    public void Dispose()
    {
        Sinks.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Worker.Dispose();
        Wal.Dispose();
        Engine.Dispose();
        Sandbox.Dispose();
        _data.Dispose();
    }
}
