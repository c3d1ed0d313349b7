using System.Buffers;
using Sluice.Core.Events;

namespace Sluice.Admission.Quotas;

/// <summary>
/// Systematic sampling per stratum. A stratum is a rule's scope value together with the fields summaries count by
/// (kind, level, service, system, category, domain, decision, country, reason), so every kept event stands only for
/// events that look the same to a summary. Each stratum counts the events it let go since its last kept one; the
/// next kept event carries that count as its weight. Weights therefore add up to exactly the events received, per
/// stratum — no estimate is involved. The last event let go is held, and written out with the remaining count
/// when the stratum goes quiet (<see cref="TakeHeld"/>), so nothing is left uncounted once a spike is over.
/// </summary>
public sealed class SampleStrata(int maxStrata = 10_000)
{
    /// <summary>Events larger than this are never held back (they are kept, carrying any count waiting).</summary>
    public const int MaxHeldRowBytes = 64 * 1024;

    private readonly object _gate = new();
    private readonly Dictionary<ulong, Stratum> _strata = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _strata.Count;
            }
        }
    }

    /// <summary>
    /// Counts one event of the stratum <paramref name="key"/> sampled 1 in <paramref name="n"/>. Returns the weight to
    /// store it with, or 0 when it is let go (then it is held, see <see cref="TakeHeld"/>).
    /// </summary>
    public long Decide(ulong key, long n, ReadOnlySpan<byte> row, RowOrigin origin, long nowMs)
    {
        lock (_gate)
        {
            if (!_strata.TryGetValue(key, out var stratum))
            {
                if (_strata.Count >= maxStrata)
                {
                    return 1; // no room to count it as a stratum: keep it whole, which is always honest
                }

                _strata[key] = stratum = new Stratum();
            }

            stratum.Pending++;
            stratum.LastMs = nowMs;
            if (stratum.Pending >= n || row.Length > MaxHeldRowBytes)
            {
                var weight = stratum.Pending;
                stratum.Pending = 0;
                stratum.Release();
                return weight;
            }

            stratum.Hold(row, origin);
            return 0;
        }
    }

    /// <summary>
    /// Takes the held events of strata quiet for <paramref name="idleMs"/> (all of them when <paramref name="all"/>),
    /// each with the count it now stands for, and forgets quiet strata. The caller stores them.
    /// </summary>
    public List<HeldEvent> TakeHeld(long nowMs, long idleMs, bool all)
    {
        var taken = new List<HeldEvent>();
        lock (_gate)
        {
            foreach (var (key, stratum) in _strata)
            {
                if (!all && nowMs - stratum.LastMs < idleMs)
                {
                    continue;
                }

                if (stratum.Pending > 0 && stratum.Row is { } row)
                {
                    taken.Add(new HeldEvent(key, row.AsSpan(0, stratum.RowLength).ToArray(), stratum.Origin, stratum.Pending));
                }

                stratum.Release();
                _strata.Remove(key);
            }
        }

        return taken;
    }

    /// <summary>Puts back held events that could not be stored, so their counts are still owed.</summary>
    public void Restore(IEnumerable<HeldEvent> events)
    {
        lock (_gate)
        {
            foreach (var held in events)
            {
                if (!_strata.TryGetValue(held.Key, out var stratum))
                {
                    _strata[held.Key] = stratum = new Stratum();
                }

                stratum.Pending += held.Weight;
                if (stratum.Row is null)
                {
                    stratum.Hold(held.Row, held.Origin);
                }
            }
        }
    }

    /// <summary>
    /// Undoes what a request that was not stored did to the counts (<see cref="SamplingJournal"/>): its events let go
    /// are no longer owed (the client sends them again), while the earlier events its kept ones stood for are owed
    /// again. The held event stays as the stratum's representative: events of a stratum look alike to summaries.
    /// </summary>
    public void Rollback(SamplingJournal journal)
    {
        lock (_gate)
        {
            foreach (var (key, (letGo, owed)) in journal.Entries)
            {
                if (_strata.TryGetValue(key, out var stratum))
                {
                    stratum.Pending = Math.Max(0, stratum.Pending - letGo + owed);
                }
            }
        }
    }

    private sealed class Stratum
    {
        public long Pending;
        public long LastMs;
        public byte[]? Row;
        public int RowLength;
        public RowOrigin Origin;

        public void Hold(ReadOnlySpan<byte> row, RowOrigin origin)
        {
            if (Row is null || Row.Length < row.Length)
            {
                Release();
                Row = ArrayPool<byte>.Shared.Rent(row.Length);
            }

            row.CopyTo(Row);
            RowLength = row.Length;
            Origin = origin;
        }

        public void Release()
        {
            if (Row is { } row)
            {
                ArrayPool<byte>.Shared.Return(row);
                Row = null;
                RowLength = 0;
            }
        }
    }
}

/// <summary>An event held back by sampling, and how many received events it stands for.</summary>
public sealed record HeldEvent(ulong Key, byte[] Row, RowOrigin Origin, long Weight);

/// <summary>What one request's sampling did to each stratum, so it can be undone if the request is not stored.</summary>
public sealed class SamplingJournal
{
    public Dictionary<ulong, (long LetGo, long Owed)> Entries { get; } = [];

    public void LetGo(ulong stratum)
    {
        var (letGo, owed) = Entries.GetValueOrDefault(stratum);
        Entries[stratum] = (letGo + 1, owed);
    }

    /// <summary>A kept event of weight <paramref name="weight"/> stood for itself and weight − 1 earlier events.</summary>
    public void Kept(ulong stratum, long weight)
    {
        var (letGo, owed) = Entries.GetValueOrDefault(stratum);
        Entries[stratum] = (letGo, owed + weight - 1);
    }
}
