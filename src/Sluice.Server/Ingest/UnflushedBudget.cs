namespace Sluice.Server.Ingest;

/// <summary>
/// Bounds the memory of ingest requests between reading their body and the WAL making them durable
/// (<c>Memory:MaxUnflushedMb</c>, alias TRAFFIC_LOGS_MAX_MEMORY_MB). A request reserves its body and encoded rows;
/// at the cap it waits for earlier requests to be flushed, and past the wait it is refused (503 <c>memory_full</c>)
/// instead of the server growing. One request larger than the cap is still admitted when nothing else is in flight.
/// </summary>
public sealed class UnflushedBudget(long capacity)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _used;
    private long _peak;

    public long Capacity => capacity;

    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>The most ever held at once (tests compare it with the cap).</summary>
    public long Peak
    {
        get
        {
            lock (_lock)
            {
                return _peak;
            }
        }
    }

    /// <summary>Room for <paramref name="bytes"/>, waiting up to <paramref name="wait"/>; null when there was none.</summary>
    public async ValueTask<IDisposable?> ReserveAsync(long bytes, TimeSpan wait, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            Task released;
            lock (_lock)
            {
                if (_used == 0 || _used + bytes <= capacity)
                {
                    _used += bytes;
                    _peak = Math.Max(_peak, _used);
                    return new Reservation(this, bytes);
                }

                released = _released.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.WhenAny(released, Task.Delay(left, cancel));
            cancel.ThrowIfCancellationRequested();
        }
    }

    private void Release(long bytes)
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            _used -= bytes;
            released = _released;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        released.SetResult();
    }

    private sealed class Reservation(UnflushedBudget budget, long bytes) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
