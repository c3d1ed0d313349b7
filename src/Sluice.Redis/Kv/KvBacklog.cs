using System.Collections.Concurrent;

namespace Sluice.Redis.Kv;

/// <summary>
/// Keys whose newest version Redis may lack: written behind, or written while Redis was away. The flusher pushes
/// them; a key leaves only once the version pushed is at least the one recorded, so a write racing the flush stays.
/// In memory: after a crash, the reconciliation at start finds what Redis lacks from the durable tier. Bounded by
/// the durable tier's keys.
/// </summary>
internal sealed class KvBacklog
{
    private readonly ConcurrentDictionary<string, long> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);

    public int Count => _pending.Count;

    public void Add(string key, long version)
    {
        _pending.AddOrUpdate(key, version, (_, old) => Math.Max(old, version));
        Wake();
    }

    /// <summary>Removes <paramref name="key"/> if <paramref name="version"/> (just pushed) covers what was recorded.</summary>
    public void Done(string key, long version)
    {
        while (_pending.TryGetValue(key, out var recorded) && recorded <= version)
        {
            if (_pending.TryRemove(KeyValuePair.Create(key, recorded)))
            {
                return;
            }
        }
    }

    public IReadOnlyList<string> Take(int max) => [.. _pending.Keys.Take(max)];

    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    /// <summary>Waits for <see cref="Wake"/> or <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancel) => await _wake.WaitAsync(timeout, cancel);
}
