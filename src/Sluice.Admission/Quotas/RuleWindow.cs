using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Sluice.Admission.Quotas;

/// <summary>
/// The counters of one rule for one window: one per scope value, created on first use. Past
/// <c>maxKeys</c> values, new ones share a single overflow counter, so a flood of distinct trace ids cannot grow
/// memory; the shared counter only ever makes the rule stricter for them, never looser.
/// </summary>
internal sealed class RuleWindow(long index, int maxKeys)
{
    private readonly ConcurrentDictionary<ulong, StrongBox<long>> _keys = new();
    private readonly StrongBox<long> _overflow = new();
    private int _count;

    /// <summary>Which window this is: the clock's milliseconds divided by the window length.</summary>
    public long Index { get; } = index;

    public StrongBox<long> CounterFor(ulong key)
    {
        if (_keys.TryGetValue(key, out var counter))
        {
            return counter;
        }

        if (Volatile.Read(ref _count) >= maxKeys)
        {
            return _overflow;
        }

        counter = new StrongBox<long>();
        if (_keys.TryAdd(key, counter))
        {
            Interlocked.Increment(ref _count);
            return counter;
        }

        return _keys[key];
    }
}
