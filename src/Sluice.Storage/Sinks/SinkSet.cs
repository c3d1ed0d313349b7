using Microsoft.Extensions.Logging;
using Sluice.Storage.Hot;
using Sluice.Storage.Wal;

namespace Sluice.Storage.Sinks;

/// <summary>
/// Every sink attached to the store, each fed from the WAL by its own runner and cursor. Decides how far the WAL
/// may be trimmed: past the sealed point <em>and</em> past every sink's cursor — except a sink that fell more than
/// <c>Sinks:MaxLagMb</c> of WAL behind, which stops holding the log (so a dead sink cannot fill the disk): it is
/// reported in health, and if the log is trimmed past it, the events it never got are counted as lost to it.
/// </summary>
public sealed class SinkSet : IAsyncDisposable
{
    private readonly string _cursorDirectory;
    private readonly string _walDirectory;
    private readonly int _batchEvents;
    private readonly long _saveEveryMs;
    private readonly long _maxLagBytes;
    private readonly ILogger _logger;
    private readonly List<IEventSink> _attached = [];
    private readonly List<SinkRunner> _runners = [];
    private WriteAheadLog? _wal;
    private Func<long>? _persistedThrough;

    internal SinkSet(string cursorDirectory, string walDirectory, int batchEvents, long saveEveryMs, long maxLagBytes, ILogger logger)
    {
        _cursorDirectory = cursorDirectory;
        _walDirectory = walDirectory;
        _batchEvents = batchEvents;
        _saveEveryMs = saveEveryMs;
        _maxLagBytes = maxLagBytes;
        _logger = logger;
    }

    /// <summary>Adds a sink; call before the store recovers (its cursor must hold the WAL from the start).</summary>
    public void Attach(IEventSink sink)
    {
        if (sink.Name.Length == 0 || sink.Name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
        {
            throw new ArgumentException($"a sink name is letters, digits and '-': '{sink.Name}'", nameof(sink));
        }

        lock (_runners)
        {
            if (_wal is not null)
            {
                throw new InvalidOperationException("sinks are attached before the store recovers");
            }

            _attached.Add(sink);
        }
    }

    public IReadOnlyList<SinkStatus> Status()
    {
        lock (_runners)
        {
            return [.. _runners.Select(r => r.Status())];
        }
    }

    /// <summary>Starts every runner once recovery has replayed the log.</summary>
    internal void Start(HotTier hot, WriteAheadLog wal, Func<long> persistedThrough)
    {
        lock (_runners)
        {
            _wal = wal;
            _persistedThrough = persistedThrough;
            if (_attached.Count > 0)
            {
                Directory.CreateDirectory(_cursorDirectory);
            }

            foreach (var sink in _attached)
            {
                var cursor = SinkCursor.Load(_cursorDirectory, sink.Name);
                if (cursor.IsNew)
                {
                    // A new sink starts at the oldest event the log still holds: what only parts hold is not its to ship.
                    cursor.DeliveredThroughSeq = WalTail.FirstAvailableSeq(_walDirectory) is { } first ? first - 1 : hot.MaxSeq;
                    cursor.Save();
                }

                var runner = new SinkRunner(sink, cursor, _walDirectory, hot, _batchEvents, _saveEveryMs, _logger, Trim);
                _runners.Add(runner);
                runner.Start();
            }
        }
    }

    /// <summary>
    /// How far the WAL may be trimmed given the sealed point: the lowest cursor among sinks that still hold the log.
    /// A sink further behind than the lag limit lets go (logged once), and holds again once it is back within half of it.
    /// </summary>
    internal long TrimLimit(long persistedThrough)
    {
        var limit = persistedThrough;
        List<SinkRunner> runners;
        lock (_runners)
        {
            runners = [.. _runners];
        }

        if (runners.Count == 0 || _wal is null)
        {
            return limit;
        }

        var segments = _wal.ClosedSegmentSizes();
        foreach (var runner in runners)
        {
            var cursor = runner.DeliveredThroughSeq;
            var held = segments.Where(s => s.LastSeq > cursor && s.LastSeq <= persistedThrough).Sum(s => s.Bytes);
            runner.HeldWalBytes = held;
            if (runner.HoldsWal && held > _maxLagBytes)
            {
                runner.HoldsWal = false;
                _logger.LogError("Sink {Sink} is {Bytes} bytes of WAL behind (more than Sinks:MaxLagMb): the WAL no longer waits for it, so it may lose events", runner.Name, held);
            }
            else if (!runner.HoldsWal && held <= _maxLagBytes / 2)
            {
                runner.HoldsWal = true;
                _logger.LogWarning("Sink {Sink} is back within Sinks:MaxLagMb: the WAL waits for it again", runner.Name);
            }

            if (runner.HoldsWal)
            {
                limit = Math.Min(limit, cursor);
            }
        }

        return limit;
    }

    /// <summary>A runner saved its cursor: segments nobody needs any more can go now rather than at the next seal.</summary>
    private void Trim()
    {
        if (_wal is { } wal && _persistedThrough is { } persisted)
        {
            wal.TrimThrough(TrimLimit(persisted()));
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<SinkRunner> runners;
        lock (_runners)
        {
            runners = [.. _runners];
            _runners.Clear();
        }

        foreach (var runner in runners)
        {
            await runner.DisposeAsync();
        }
    }
}
