namespace Sluice.Admission.Dedup;

/// <summary>
/// A set of 64-bit keys that forgets old ones: two generations, the older dropped when the newer is
/// <c>window</c> old or holds half of <c>maxKeys</c>. A key is remembered for at least the window unless the key
/// budget runs out first — then the window shortens instead of memory growing (16–32 bytes per key). Not thread-safe:
/// <see cref="DuplicateFilter"/> calls it under its lock.
/// </summary>
internal sealed class RecentKeys(long windowMs, int maxKeys)
{
    private KeySet _current = new();
    private KeySet _previous = new();
    private long _currentSinceMs = long.MinValue;

    public int Count => _current.Count + _previous.Count;

    public bool Contains(ulong key, long nowMs)
    {
        Roll(nowMs);
        return _current.Contains(key) || _previous.Contains(key);
    }

    public void Add(ulong key, long nowMs)
    {
        Roll(nowMs);
        _current.Add(key);
    }

    private void Roll(long nowMs)
    {
        if (_currentSinceMs == long.MinValue)
        {
            _currentSinceMs = nowMs;
            return;
        }

        if (nowMs - _currentSinceMs >= 2 * windowMs)
        {
            // Both generations are older than the window.
            _previous.Clear();
            _current.Clear();
            _currentSinceMs = nowMs;
        }
        else if (nowMs - _currentSinceMs >= windowMs || _current.Count >= maxKeys / 2)
        {
            (_previous, _current) = (_current, _previous);
            _current.Clear();
            _currentSinceMs = nowMs;
        }
    }
}
