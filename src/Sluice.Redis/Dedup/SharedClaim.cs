using Sluice.Admission.Dedup;
using StackExchange.Redis;

namespace Sluice.Redis.Dedup;

/// <summary>
/// The keys one request holds in the shared duplicate window, settled when its local claim is: each key is kept for
/// its window if any row with it was stored, deleted otherwise (a failed WAL append, a refusal, a cancelled request).
/// </summary>
internal sealed class SharedClaim(SharedDuplicates owner, string token, List<int> rows) : ISharedDedupClaim
{
    public void Settle(DedupClaim claim, Func<int, bool>? stored)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // Read now: the claim's keys and the rows' fates go back to their pools when the request ends. The same
        // content twice in one request is one key: kept if either row was stored.
        var keep = new Dictionary<DedupKey, long>();
        foreach (var row in rows)
        {
            var key = claim.KeyOf(row);
            var ms = stored?.Invoke(row) == true ? owner.WindowMs(key) : 0;
            keep[key] = Math.Max(ms, keep.GetValueOrDefault(key));
        }

        var keys = new RedisKey[keep.Count];
        var args = new RedisValue[keep.Count + 1];
        args[0] = token;
        var i = 0;
        foreach (var (key, ms) in keep)
        {
            keys[i] = owner.Key(key);
            args[++i] = ms;
        }

        owner.Send(keys, args);
    }
}
