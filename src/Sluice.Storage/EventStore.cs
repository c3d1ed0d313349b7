using Microsoft.Extensions.Logging;
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
    private volatile bool _ready;

    public EventStore(SluiceOptions options, DataDirectory data, IClock clock, ILogger logger)
    {
        _data = data;
        _logger = logger;
        _hotLimit = options.Hot.MaxBytes;
        var archive = string.IsNullOrEmpty(options.Retention.ArchiveDir) ? data.Archive : Path.GetFullPath(options.Retention.ArchiveDir);
        Catalog = new PartCatalog(data.Meta, new PartRoots(data.Partitions, archive), logger);
        PartStats = new PartStatsCache();
        Engine = new DuckDbEngine(options.Storage);
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

    /// <summary>Sealing, compaction and retention.</summary>
    public StorageWorker Worker { get; }

    /// <summary>Recovered, and the log takes writes.</summary>
    public bool IsReady => _ready && Wal.Fault is null;

    /// <summary>True while recovery runs (as opposed to a log that failed).</summary>
    public bool IsRecovering => !_ready;

    /// <summary>
    /// Deletes part files a crash left unlisted, replays the WAL events that no part holds into the hot tier,
    /// opens the log for appends and starts the storage worker. Runs once, at start.
    /// </summary>
    public WalRecoveryResult Recover()
    {
        var started = Environment.TickCount64;
        var orphans = Worker.DeleteOrphans();
        var persisted = Catalog.Current.PersistedThroughSeq;
        Hot.SkipThrough(persisted);
        var result = Wal.Open(persisted);
        Worker.Start(Hot, Wal);
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
    /// Backpressure: waits while the rows not yet sealed into parts exceed <see cref="HotTierOptions.MaxBytes"/>
    /// (they cannot leave memory), up to <paramref name="max"/>. False if there is still no room then: the caller
    /// answers 503, so memory stays bounded when events arrive faster than they can be sealed.
    /// </summary>
    public async ValueTask<bool> WaitForRoomAsync(TimeSpan max, CancellationToken cancel)
    {
        if (Hot.UnpersistedBytes <= _hotLimit)
        {
            return true;
        }

        var deadline = Environment.TickCount64 + (long)max.TotalMilliseconds;
        while (Hot.UnpersistedBytes > _hotLimit)
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            await Task.Delay(5, cancel);
        }

        return true;
    }

    /// <summary>Bytes of WAL segments on disk.</summary>
    public long WalDiskBytes() =>
        WalRecovery.ListSegments(_data.Wal).Sum(s => new FileInfo(s.Path).Length);

    public void Dispose()
    {
        Worker.Dispose();
        Wal.Dispose();
        Engine.Dispose();
        _data.Dispose();
    }
}
