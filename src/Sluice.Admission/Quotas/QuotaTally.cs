using System.Buffers;

namespace Sluice.Admission.Quotas;

/// <summary>
/// One batch's quota counting: for each event, the counters it touches (one per rule that applies, in rule order:
/// the rule, its window, the hash of the scope value), then what counting found — each counter's value after the
/// event, or the counter that refused it. <see cref="QuotaBook.Plan"/> fills the first part, an
/// <see cref="IQuotaCounters"/> the second, and <see cref="QuotaBook.Decide"/> reads it back event by event.
/// </summary>
public sealed class QuotaTally : IDisposable
{
    private readonly QuotaRule[] _rules;
    private Entry[] _entries;
    private Slot[] _events;
    private int _entryCount;
    private int _eventCount;

    internal QuotaTally(QuotaRule[] rules, long nowMs, int events)
    {
        _rules = rules;
        NowMs = nowMs;
        _events = ArrayPool<Slot>.Shared.Rent(Math.Max(1, events));
        _entries = ArrayPool<Entry>.Shared.Rent(Math.Max(4, events * Math.Max(1, rules.Length)));
    }

    /// <summary>The clock reading the windows were chosen by.</summary>
    public long NowMs { get; }

    public int EventCount => _eventCount;

    public int EntryCount => _entryCount;

    /// <summary>The rules of the book the tally was made by.</summary>
    public int RuleCount => _rules.Length;

    /// <summary>Where the counters of event <paramref name="ev"/> lie among all entries.</summary>
    public (int First, int Length) EntriesOf(int ev) => (_events[ev].First, _events[ev].Length);

    public QuotaRule RuleOf(int entry) => _rules[_entries[entry].Rule];

    /// <summary>The entry's rule as its index in <see cref="QuotaBook.Rules"/>.</summary>
    public int RuleIndexOf(int entry) => _entries[entry].Rule;

    /// <summary>The window of the entry's rule: the clock's milliseconds divided by the window's length.</summary>
    public long WindowOf(int entry) => _entries[entry].Window;

    /// <summary>The hash of the entry's scope value.</summary>
    public ulong KeyOf(int entry) => _entries[entry].Key;

    /// <summary>The entry's counter after its event was counted (0 when the event was refused before reaching it).</summary>
    public long CountOf(int entry) => _entries[entry].Count;

    /// <summary>The index, within its event's entries, of the counter that refused event <paramref name="ev"/>; -1 when none did.</summary>
    public int RefusedAt(int ev) => _events[ev].RefusedAt;

    /// <summary>Event <paramref name="ev"/> is refused by its entry number <paramref name="entryInEvent"/>.</summary>
    public void Refuse(int ev, int entryInEvent) => _events[ev].RefusedAt = entryInEvent;

    /// <summary>
    /// A shared store counted the entry to <paramref name="count"/>. The node's own counter remembers it as the last
    /// shared count seen (where counting on its own starts if the store goes away) and counts the event as its own.
    /// </summary>
    public void CountedShared(int entry, long count)
    {
        ref var e = ref _entries[entry];
        e.Count = count;
        if (!e.Counter.IsOverflow)
        {
            Volatile.Write(ref e.Counter.Value, count);
            Interlocked.Increment(ref e.Counter.Mine);
        }
    }

    /// <summary>A shared store's counter was seen at <paramref name="count"/> (an event it refused): the node's own counter remembers it.</summary>
    public void SawShared(int entry, long count)
    {
        ref var e = ref _entries[entry];
        if (!e.Counter.IsOverflow)
        {
            Volatile.Write(ref e.Counter.Value, count);
        }
    }

    /// <summary>
    /// Refuses, without asking the shared store, every event one of whose refusing counters was last seen there at its
    /// limit: within a window a shared count never falls, so the store would refuse it too. Returns how many.
    /// </summary>
    public int RefuseAtKnownLimits()
    {
        var refused = 0;
        for (var ev = 0; ev < _eventCount; ev++)
        {
            var (first, length) = EntriesOf(ev);
            if (RefusedAt(ev) >= 0)
            {
                continue;
            }

            for (var e = first; e < first + length; e++)
            {
                var rule = _rules[_entries[e].Rule];
                var counter = _entries[e].Counter;
                if (rule.Action == QuotaAction.Reject && !counter.IsOverflow && Volatile.Read(ref counter.Value) >= rule.Limit)
                {
                    Refuse(ev, e - first);
                    refused++;
                    break;
                }
            }
        }

        return refused;
    }

    public void Dispose()
    {
        ArrayPool<Entry>.Shared.Return(_entries, clearArray: true); // drop the references to counters
        ArrayPool<Slot>.Shared.Return(_events);
        _entries = [];
        _events = [];
    }


    internal QuotaCounter CounterOf(int entry) => _entries[entry].Counter;

    internal void SetCount(int entry, long count) => _entries[entry].Count = count;

    internal int BeginEvent()
    {
        if (_eventCount == _events.Length)
        {
            Grow(ref _events, _eventCount);
        }

        _events[_eventCount] = new Slot { First = _entryCount, RefusedAt = -1 };
        return _eventCount++;
    }

    internal void AddEntry(int rule, long window, ulong key, QuotaCounter counter)
    {
        if (_entryCount == _entries.Length)
        {
            Grow(ref _entries, _entryCount);
        }

        _entries[_entryCount++] = new Entry { Rule = rule, Window = window, Key = key, Counter = counter };
        _events[_eventCount - 1].Length++;
    }

    private static void Grow<T>(ref T[] array, int used)
    {
        var bigger = ArrayPool<T>.Shared.Rent(array.Length * 2);
        array.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array, clearArray: true);
        array = bigger;
    }

    private struct Entry
    {
        public int Rule;
        public long Window;
        public ulong Key;
        public QuotaCounter Counter;
        public long Count;
    }

    private struct Slot
    {
        public int First;
        public int Length;
        public int RefusedAt;
    }
}
