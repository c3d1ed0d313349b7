using System.Collections.Concurrent;

namespace Sluice.Admission.Quotas;

/// <summary>
/// The counters of one rule for one window: one per scope value, created on first use. Past
/// <c>maxKeys</c> values, new ones share a single overflow counter, so a flood of distinct trace ids cannot grow
/// memory; the shared counter only ever makes the rule stricter for them, never looser.
/// </summary>
internal sealed class RuleWindow(long index, int maxKeys)
{
    private readonly ConcurrentDictionary<ulong, QuotaCounter> _keys = new();
    private readonly QuotaCounter _overflow = new(isOverflow: true);
    private int _count;

    /// <summary>Which window this is: the clock's milliseconds divided by the window length.</summary>
    public long Index { get; } = index;

    public QuotaCounter CounterFor(ulong key)
    {
        if (_keys.TryGetValue(key, out var counter))
        {
            return counter;
        }

        if (Volatile.Read(ref _count) >= maxKeys)
        {
            return _overflow;
        }

        counter = new QuotaCounter();
        if (_keys.TryAdd(key, counter))
        {
            Interlocked.Increment(ref _count);
            return counter;
        }

        return _keys[key];
    }

    /// <summary>Every scope value's own counter (not the overflow counter, which no single value owns).</summary>
    public IEnumerable<KeyValuePair<ulong, QuotaCounter>> Counters => _keys;
}

/// <summary>One scope value's count in one window, and whether reaching the limit has been announced.</summary>
internal sealed class QuotaCounter(bool isOverflow = false)
{
    /// <summary>
    /// The count the rule compares with its limit. Counted here when the counters are local; with shared counters,
    /// the last shared count seen (the point a node's fallback counting starts from when the shared store is away).
    /// </summary>
    public long Value;

    /// <summary>Events this node counted in this window, in any mode (to restore a shared store that lost its data).</summary>
    public long Mine;

    /// <summary>Events this node counted while the shared store was away, not yet added to it.</summary>
    public long Owed;

    private int _announced;

    /// <summary>Shared by the scope values past the key budget: its count belongs to none of them.</summary>
    public bool IsOverflow { get; } = isOverflow;

    /// <summary>True exactly once: for the first event past the limit.</summary>
    public bool Announce() => Interlocked.Exchange(ref _announced, 1) == 0;
}
