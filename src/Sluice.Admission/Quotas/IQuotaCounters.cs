namespace Sluice.Admission.Quotas;

/// <summary>
/// Where the counters of the quota rules live: this node's memory (<see cref="LocalQuotaCounters"/>), or a store
/// several nodes share. The rules and what a count means stay in <see cref="QuotaBook"/>; a counter store only
/// counts.
/// </summary>
public interface IQuotaCounters
{
    /// <summary>
    /// Counts the events of <paramref name="tally"/> in order, as one atomic walk per event: each counter of an
    /// event goes up by one; when a <see cref="QuotaAction.Reject"/> rule's counter passes its limit, the event's
    /// increments are undone and it is refused (<see cref="QuotaTally.Refuse"/>); otherwise each counter's new value
    /// is recorded for the event. Never throws for an unavailable store: it falls back to counting on its own.
    /// </summary>
    ValueTask CountAsync(QuotaTally tally, CancellationToken cancel);
}
