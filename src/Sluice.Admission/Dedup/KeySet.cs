namespace Sluice.Admission.Dedup;

/// <summary>
/// A set of 64-bit keys in one flat array (open addressing, linear probing, at most half full), for
/// <see cref="RecentKeys"/>. Each event's duplicate key is looked up in two generations of up to 250 K keys: a
/// <see cref="HashSet{T}"/> reads a bucket and then an entry (two cache misses a lookup), this one slot, usually
/// on the same line as the next. The keys are hashes already, so a multiply spreads them. Not thread-safe.
/// </summary>
internal sealed class KeySet
{
    private const int MinCapacity = 1024;

    private ulong[] _slots = new ulong[MinCapacity];
    private bool _hasZero; // 0 marks an empty slot, so the key 0 is kept beside the table

    public int Count { get; private set; }

    public bool Contains(ulong key)
    {
        if (key == 0)
        {
            return _hasZero;
        }

        var mask = _slots.Length - 1;
        for (var slot = Slot(key, mask); ; slot = (slot + 1) & mask)
        {
            var found = _slots[slot];
            if (found == key)
            {
                return true;
            }

            if (found == 0)
            {
                return false;
            }
        }
    }

    public void Add(ulong key)
    {
        if (key == 0)
        {
            Count += _hasZero ? 0 : 1;
            _hasZero = true;
            return;
        }

        if (2 * (Count + 1) > _slots.Length)
        {
            Grow();
        }

        if (Insert(_slots, key))
        {
            Count++;
        }
    }

    /// <summary>Empties the set, keeping its table: the generation it holds refills to about the same size.</summary>
    public void Clear()
    {
        if (Count > 0)
        {
            Array.Clear(_slots);
            _hasZero = false;
            Count = 0;
        }
    }

    private void Grow()
    {
        var larger = new ulong[_slots.Length * 2];
        foreach (var key in _slots)
        {
            if (key != 0)
            {
                Insert(larger, key);
            }
        }

        _slots = larger;
    }

    private static bool Insert(ulong[] slots, ulong key)
    {
        var mask = slots.Length - 1;
        for (var slot = Slot(key, mask); ; slot = (slot + 1) & mask)
        {
            if (slots[slot] == key)
            {
                return false;
            }

            if (slots[slot] == 0)
            {
                slots[slot] = key;
                return true;
            }
        }
    }

    private static int Slot(ulong key, int mask) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32) & mask;
}
