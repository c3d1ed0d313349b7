namespace Sluice.Admission.Dedup;

/// <summary>
/// A duplicate window several nodes share, consulted after this node's own <see cref="DuplicateFilter"/> (which stays
/// the guard against concurrent retries on one node). A key is claimed while its request is stored, and settled
/// when the claim is: kept for the window if its event was stored, released otherwise, so a retry of an event that
/// was not stored is stored on any node.
/// </summary>
public interface ISharedDuplicates
{
    /// <summary>
    /// Claims, in the shared window, every key of <paramref name="claim"/> that is not already a duplicate here. Keys
    /// another node stored are marked duplicates; the rest are held until the claim commits or is disposed
    /// (<see cref="DedupClaim.Attach"/>). False when another node was still storing one of them after
    /// <paramref name="maxWait"/> (the request is answered 503 and retried). When the shared window cannot be
    /// reached, the claim stays local and the answer is true.
    /// </summary>
    ValueTask<bool> ClaimAsync(DedupClaim claim, TimeSpan maxWait, CancellationToken cancel);
}

/// <summary>The shared part of one request's claim, settled with it.</summary>
public interface ISharedDedupClaim
{
    /// <summary>
    /// The request is over: keys of rows for which <paramref name="stored"/> is true are kept for the window, the
    /// others released; every key is released when <paramref name="stored"/> is null (nothing was stored).
    /// Must not throw (it runs on the request's way out).
    /// </summary>
    void Settle(DedupClaim claim, Func<int, bool>? stored);
}
