namespace Sluice.Analysis.Patterns;

/// <summary>
/// Remembers the pattern of recently mined messages by a 64-bit hash of their bytes, so that a message seen before
/// (most of a log's lines repeat exactly) is named without the miner or its lock. Direct-mapped and lock-free: an
/// entry is one immutable object, replaced whole. A pattern evicted or merged since is never answered from here, nor
/// an answer given before the user learnt a pattern (each answer carries the generation it was made in).
/// </summary>
internal sealed class MessageCache
{
    private readonly Entry?[] _entries;
    private readonly int _mask;

    public MessageCache(int capacity)
    {
        var size = capacity <= 0 ? 0 : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _entries = new Entry?[size];
        _mask = size - 1;
    }

    private long _generation;

    /// <summary>The generation answers are made in now; read it where the answer is made (under the miner's lock).</summary>
    public long Generation => Volatile.Read(ref _generation);

    public bool TryGet(ulong hash, out MinedPattern pattern)
    {
        pattern = null!;
        if (_entries.Length == 0)
        {
            return false;
        }

        var entry = Volatile.Read(ref _entries[(int)hash & _mask]);
        if (entry is null || entry.Hash != hash || entry.Generation != Generation || entry.Pattern.Evicted)
        {
            return false;
        }

        pattern = entry.Pattern.Current;
        return !pattern.Evicted;
    }

    public void Set(ulong hash, MinedPattern pattern, long generation)
    {
        if (_entries.Length > 0)
        {
            Volatile.Write(ref _entries[(int)hash & _mask], new Entry(hash, pattern, generation));
        }
    }

    /// <summary>Forgets every answer, also one being made now: after the user learns a pattern, repeated messages must meet it.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    private sealed record Entry(ulong Hash, MinedPattern Pattern, long Generation);
}
