using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sluice.Query.Analytics.Worker;

/// <summary>
/// The SQL worker processes custom SQL runs in: started on first use, one statement each at a time, at most
/// <see cref="SqlWorkerSettings.Workers"/> at once (a statement waits <paramref name="wait"/> for one, then is
/// refused), one kept idle for the next statement unless it grew past half its cap; one that was killed
/// (deadline, client gone) or died is replaced by a new one.
/// </summary>
public sealed class SqlWorkerPool(SqlWorkerLaunch? launch, SqlWorkerSettings settings, TimeSpan wait, ILogger logger) : IDisposable
{
    private readonly ConcurrentBag<SqlWorker> _idle = [];
    private readonly SemaphoreSlim _running = new(settings.Workers, settings.Workers);
    private int _disposed;

    /// <summary>Whether custom SQL can run at all (the worker executable was found).</summary>
    public bool Available => launch is not null;

    internal SqlWorkerReply Run(SqlWorkerRequest request, IEnumerable<(ReadOnlyMemory<byte>, long)> rows, CancellationToken cancel)
    {
        var start = launch ?? throw new InvalidOperationException("the SQL worker executable is not available");
        if (!_running.Wait(wait, cancel))
        {
            throw new SqlWorkersBusyException(settings.Workers);
        }

        try
        {
            return RunOnWorker(start, request, rows, cancel);
        }
        finally
        {
            _running.Release();
        }
    }

    private SqlWorkerReply RunOnWorker(SqlWorkerLaunch start, SqlWorkerRequest request, IEnumerable<(ReadOnlyMemory<byte>, long)> rows, CancellationToken cancel)
    {
        SqlWorker? worker = null;
        while (_idle.TryTake(out var idle))
        {
            if (idle.Alive)
            {
                worker = idle;
                break;
            }

            idle.Dispose();
        }

        worker ??= SqlWorker.Start(start, settings, line => logger.LogWarning("SQL worker: {Line}", line));
        var reusable = false;
        try
        {
            var reply = worker.Run(request, rows, cancel);
            reusable = true;
            return reply;
        }
        finally
        {
            // One idle worker is enough to spare the next statement a start; more, or one that grew, would only hold memory.
            if (reusable && worker.Alive && Volatile.Read(ref _disposed) == 0 && _idle.IsEmpty && worker.ResidentBytes < settings.MemoryBytes / 2)
            {
                _idle.Add(worker);
            }
            else
            {
                worker.Kill();
                worker.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        _running.Dispose();
        while (_idle.TryTake(out var worker))
        {
            worker.Dispose();
        }
    }
}

/// <summary>Every SQL worker is busy and none came free in time.</summary>
public sealed class SqlWorkersBusyException(int workers)
    : Exception($"{workers} custom SQL statements are already running (Query:SqlWorkers); retry shortly");
