using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Storage.Hot;
using Sluice.Storage.Wal;

namespace Sluice.Storage;

/// <summary>
/// The storage side of the flow: accepted batches go to the WAL, and from it to the hot tier. Readiness is
/// reached once recovery has replayed the WAL; until then appends are refused.
/// </summary>
public sealed class EventStore : IDisposable
{
    private readonly DataDirectory _data;
    private readonly ILogger _logger;
    private volatile bool _ready;

    public EventStore(SluiceOptions options, DataDirectory data, ILogger logger, ISealedChunkSink? sink = null)
    {
        _data = data;
        _logger = logger;
        Hot = new HotTier(options.Hot, sink ?? WalOnlyChunkSink.Instance, logger);
        Wal = new WriteAheadLog(data.Wal, options.Wal, options.Durability, Hot, logger);
    }

    public HotTier Hot { get; }

    public WriteAheadLog Wal { get; }

    /// <summary>Recovered, and the log takes writes.</summary>
    public bool IsReady => _ready && Wal.Fault is null;

    /// <summary>Replays the WAL into the hot tier and opens it for appends. Runs once, at start.</summary>
    public WalRecoveryResult Recover()
    {
        var started = Environment.TickCount64;
        var result = Wal.Open();
        _ready = true;
        _logger.LogInformation("Recovered {Events} events from {Records} WAL records in {Ms} ms; cut {Bytes} torn bytes",
            result.Events, result.Records, Environment.TickCount64 - started, result.TruncatedBytes);
        return result;
    }

    /// <summary>Appends a batch; completes when it is durable and visible. Throws <see cref="WalUnavailableException"/> before recovery.</summary>
    public Task<long> AppendAsync(ReadOnlyMemory<byte> rows, int eventCount) =>
        _ready ? Wal.AppendAsync(rows, eventCount) : Task.FromException<long>(new WalUnavailableException("recovery is still running"));

    /// <summary>True while recovery runs (as opposed to a log that failed).</summary>
    public bool IsRecovering => !_ready;

    /// <summary>Bytes of WAL segments on disk.</summary>
    public long WalDiskBytes() =>
        WalRecovery.ListSegments(_data.Wal).Sum(s => new FileInfo(s.Path).Length);

    public void Dispose()
    {
        Wal.Dispose();
        _data.Dispose();
    }
}
