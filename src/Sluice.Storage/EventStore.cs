using Microsoft.Extensions.Logging;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Core.Time;
using Sluice.Storage.Engine;
using Sluice.Storage.Hot;
using Sluice.Storage.Partitions;
using Sluice.Storage.Wal;

namespace Sluice.Storage;

/// <summary>
/// The storage side of the flow: accepted batches go to the WAL, from it to the hot tier, and from there — chunk
/// by chunk — into sealed hourly parts, after which their WAL segments are trimmed. Readiness is reached once
/// recovery has replayed the part of the WAL that is not in parts yet; until then appends are refused.
/// </summary>
public sealed class EventStore : IDisposable
{
    private readonly DataDirectory _data;
    private readonly ILogger _logger;
    private readonly long _hotLimit;
    private long _reserved;
    private volatile bool _ready;
    private volatile bool _weighted;

    public EventStore(SluiceOptions options, DataDirectory data, IClock clock, ILogger logger)
    {
        _data = data;
        _logger = logger;
        _hotLimit = options.Hot.MaxBytes;
        var archive = string.IsNullOrEmpty(options.Retention.ArchiveDir) ? data.Archive : Path.GetFullPath(options.Retention.ArchiveDir);
        Catalog = new PartCatalog(data.Meta, new PartRoots(data.Partitions, archive), logger);
        PartStats = new PartStatsCache();
        Engine = new DuckDbEngine(options.Storage);
        Sandbox = new DuckDbEngine(options.Storage, [data.Partitions, archive]);
        Worker = new StorageWorker(options, data, Catalog, PartStats, Engine, clock, logger);
        Hot = new HotTier(options.Hot, Worker, logger);
        Wal = new WriteAheadLog(data.Wal, options.Wal, options.Durability, Hot, logger);
    }

    public HotTier Hot { get; }

    public WriteAheadLog Wal { get; }

    /// <summary>The sealed parts (warm partitions and archive).</summary>
    public PartCatalog Catalog { get; }

    public PartStatsCache PartStats { get; }

    /// <summary>The embedded query engine over the parts.</summary>
    public DuckDbEngine Engine { get; }

    /// <summary>The engine user-written SQL and language queries run on: it reads the parts and nothing else.</summary>
    public DuckDbEngine Sandbox { get; }

    /// <summary>Sealing, compaction and retention.</summary>
    public StorageWorker Worker { get; }

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
    /// <param name="beforeReady">Runs on the recovered hot tier before the log takes appends (seeding the duplicate filter).</param>
    public WalRecoveryResult Recover(Action<HotTier>? beforeReady = null)
    {
        var started = Environment.TickCount64;
        var orphans = Worker.DeleteOrphans();
        var persisted = Catalog.Current.PersistedThroughSeq;
        Hot.SkipThrough(persisted);
        var result = Wal.Open(persisted);
        Worker.Start(Hot, Wal);
        _weighted = File.Exists(WeightedMarker);
        beforeReady?.Invoke(Hot);
        _ready = true;
        _logger.LogInformation(
            "Recovered {Events} events from {Records} WAL records in {Ms} ms ({Persisted} already in {Parts} parts); cut {Bytes} torn bytes; deleted {Orphans} orphan files",
            result.Events, result.Records, Environment.TickCount64 - started, persisted, Catalog.Current.Parts.Count, result.TruncatedBytes, orphans);
        return result;
    }

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

    /// <summary>Bytes of WAL segments on disk.</summary>
    public long WalDiskBytes() =>
        WalRecovery.ListSegments(_data.Wal).Sum(s => new FileInfo(s.Path).Length);

    public void Dispose()
    {
        Worker.Dispose();
        Wal.Dispose();
        Engine.Dispose();
        Sandbox.Dispose();
        _data.Dispose();
    }
}
