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
    private readonly QuotaCounter _overflow = new();
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
}

/// <summary>One scope value's count in one window, and whether reaching the limit has been announced.</summary>
internal sealed class QuotaCounter
{
    public long Value;

    private int _announced;

    /// <summary>True exactly once: for the first event past the limit.</summary>
    public bool Announce() => Interlocked.Exchange(ref _announced, 1) == 0;
}
