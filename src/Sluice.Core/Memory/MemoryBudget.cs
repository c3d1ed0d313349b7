namespace Sluice.Core.Memory;

/// <summary>
/// A cap on bytes held at once by one kind of work (ingest requests: <c>Memory:MaxUnflushedMb</c>). Work takes a
/// <see cref="MemoryLease"/> before it allocates and draws from it before every allocation that follows, so the
/// budget holds while the work runs rather than being checked afterwards. At the cap, room asked for ahead waits
/// and is refused past the wait; a draw from synchronous code does not wait and is refused at once.
/// One lease larger than the cap is still admitted when nothing else is held, so no single allowed request is
/// refused for ever.
/// </summary>
public sealed class MemoryBudget(long capacity)
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

    /// <summary>A lease with room for <paramref name="bytes"/>, waiting up to <paramref name="wait"/>; null when there was none.</summary>
    public async ValueTask<MemoryLease?> ReserveAsync(long bytes, TimeSpan wait, CancellationToken cancel)
    {
        var lease = new MemoryLease(this);
        return await lease.EnsureRoomAsync(bytes, wait, cancel) ? lease : null;
    }

    /// <summary>Adds <paramref name="bytes"/> to <paramref name="lease"/> if there is room now.</summary>
    internal bool TryTake(MemoryLease lease, long bytes, out Task released)
    {
        lock (_lock)
        {
            // Alone, a lease may pass the cap: one request larger than the cap must still get through.
            if (_used + bytes <= capacity || _used == lease.Held)
            {
                _used += bytes;
                _peak = Math.Max(_peak, _used);
                released = Task.CompletedTask;
                return true;
            }

            released = _released.Task;
            return false;
        }
    }

    internal void Release(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        TaskCompletionSource released;
        lock (_lock)
        {
            _used -= bytes;
            released = _released;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        released.SetResult();
    }
}

/// <summary>
/// Bytes one piece of work holds in a <see cref="MemoryBudget"/>. Its buffers draw from it before they allocate;
/// room can be set aside ahead (<see cref="EnsureRoomAsync"/>, waiting for the budget) so that the draws that follow
/// in synchronous code need not ask the budget. Disposing gives everything back. Not thread-safe: one request
/// owns it.
/// </summary>
public sealed class MemoryLease : IDisposable
{
    private readonly MemoryBudget _budget;
    private long _held;
    private long _drawn;

    internal MemoryLease(MemoryBudget budget) => _budget = budget;

    /// <summary>A lease on no budget: every draw succeeds (tools and tests that bound nothing).</summary>
    public static MemoryLease Unbounded => new(new MemoryBudget(long.MaxValue));

    /// <summary>Bytes taken from the budget.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Bytes the work's buffers have drawn (never more than <see cref="Held"/>).</summary>
    public long Drawn => _drawn;

    /// <summary>Draws <paramref name="bytes"/> for a buffer, from room set aside or else from the budget if it has room now.</summary>
    public bool TryDraw(long bytes)
    {
        if (!Hold(_drawn + Math.Max(bytes, 0) - Held, out _))
        {
            return false;
        }

        _drawn += Math.Max(bytes, 0);
        return true;
    }

    /// <summary>Draws <paramref name="bytes"/>, waiting up to <paramref name="wait"/> for the budget to have room.</summary>
    public async ValueTask<bool> DrawAsync(long bytes, TimeSpan wait, CancellationToken cancel)
    {
        if (!await EnsureRoomAsync(bytes, wait, cancel))
        {
            return false;
        }

        _drawn += Math.Max(bytes, 0);
        return true;
    }

    /// <summary>Sets aside room for <paramref name="bytes"/> more to be drawn, waiting up to <paramref name="wait"/>.</summary>
    public async ValueTask<bool> EnsureRoomAsync(long bytes, TimeSpan wait, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            if (Hold(_drawn + Math.Max(bytes, 0) - Held, out var released))
            {
                return true;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.WhenAny(released, Task.Delay(left, cancel));
            cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Gives back <paramref name="bytes"/> a buffer drew and no longer holds (a document disposed before the work
    /// goes on), so the rest of the work does not hold it for nothing.
    /// </summary>
    public void Release(long bytes)
    {
        bytes = Math.Clamp(bytes, 0, _drawn);
        _drawn -= bytes;
        Interlocked.Add(ref _held, -bytes);
        _budget.Release(bytes);
    }

    public void Dispose()
    {
        _drawn = 0;
        _budget.Release(Interlocked.Exchange(ref _held, 0));
    }

    /// <summary>Takes <paramref name="shortfall"/> more from the budget (nothing when it is not positive).</summary>
    private bool Hold(long shortfall, out Task released)
    {
        released = Task.CompletedTask;
        if (shortfall <= 0)
        {
            return true;
        }

        if (!_budget.TryTake(this, shortfall, out released))
        {
            return false;
        }

        Interlocked.Add(ref _held, shortfall);
        return true;
    }
}

/// <summary>An allocation refused because its <see cref="MemoryLease"/> could not grow: the budget is full.</summary>
public sealed class MemoryBudgetExceededException(long bytes)
    : Exception($"{bytes} more bytes do not fit the memory budget now")
{
    public long Bytes { get; } = bytes;
}
