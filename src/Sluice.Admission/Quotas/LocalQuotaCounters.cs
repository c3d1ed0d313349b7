namespace Sluice.Admission.Quotas;

/// <summary>
/// Quota counters in this node's memory: one atomic increment per event and counter, the increment that passes a
/// <see cref="QuotaAction.Reject"/> limit undone, so concurrent requests never get more than the limit between them.
/// <para>
/// As the fallback of a shared store (<paramref name="step"/> = the number of nodes sharing it) each event counts
/// as <paramref name="step"/>: the node assumes the others admit as much as it does, so it admits its share of what
/// the limit leaves, starting from the last shared count it saw; and it notes what it counted (the counters' owed
/// events) so the shared store can be given them when it is back.
/// </para>
/// </summary>
public sealed class LocalQuotaCounters(int step = 1, bool tracksOwed = false) : IQuotaCounters
{
    /// <summary>A node's own counters, each event counting one: the counting of a node without a shared store.</summary>
    public static readonly LocalQuotaCounters Exact = new();

    public ValueTask CountAsync(QuotaTally tally, CancellationToken cancel)
    {
        Count(tally);
        return ValueTask.CompletedTask;
    }

    public void Count(QuotaTally tally)
    {
        for (var ev = 0; ev < tally.EventCount; ev++)
        {
            if (tally.RefusedAt(ev) >= 0)
            {
                continue; // refused before counting (QuotaTally.RefuseAtKnownLimits)
            }

            var (first, length) = tally.EntriesOf(ev);
            for (var e = first; e < first + length; e++)
            {
                var rule = tally.RuleOf(e);
                var counter = tally.CounterOf(e);
                var n = Interlocked.Add(ref counter.Value, step);
                if (n > rule.Limit && rule.Action == QuotaAction.Reject)
                {
                    Interlocked.Add(ref counter.Value, -step);
                    Undo(tally, first, e);
                    tally.Refuse(ev, e - first);
                    break;
                }

                tally.SetCount(e, n);
                if (tracksOwed)
                {
                    Interlocked.Increment(ref counter.Owed);
                    Interlocked.Increment(ref counter.Mine);
                }
            }
        }
    }

    /// <summary>Takes back what a refused event added to the counters before the one that refused it.</summary>
    private void Undo(QuotaTally tally, int first, int end)
    {
        for (var e = first; e < end; e++)
        {
            var counter = tally.CounterOf(e);
            Interlocked.Add(ref counter.Value, -step);
            tally.SetCount(e, 0);
            if (tracksOwed)
            {
                Interlocked.Decrement(ref counter.Owed);
                Interlocked.Decrement(ref counter.Mine);
            }
        }
    }
}
