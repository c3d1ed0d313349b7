using System.Globalization;
using Microsoft.Extensions.Logging;
using Sluice.Admission.Dedup;
using Sluice.Core.Options;
using Sluice.Core.Time;
using StackExchange.Redis;

namespace Sluice.Redis.Dedup;

/// <summary>
/// The duplicate window the nodes share: a key per event id or content hash, <c>dedup:i:{hash}</c> or
/// <c>dedup:c:{hash}</c>. A request claims its keys with one script call (SET NX with its own token, for
/// <see cref="PendingMs"/>); once its events are durable, its claim is settled with another (<see cref="SharedClaim"/>):
/// a stored event's key becomes <c>s</c> for the window, the others are deleted — a request whose WAL append failed
/// leaves nothing behind, so its retry is stored. A key another node is still storing is waited for, as the local
/// filter waits for a request in flight. When Redis cannot be reached, each node keeps only its own window.
/// </summary>
internal sealed class SharedDuplicates(RedisConnection redis, DedupOptions options, IClock clock, ILogger logger) : ISharedDuplicates
{
    /// <summary>How long a claim lives if its request never settles it (its node died): retries elsewhere wait until then.</summary>
    internal const long PendingMs = 30_000;

    /// <summary>How often a request waiting for another node's claim looks again.</summary>
    private const int PollMs = 25;

    private static readonly RedisScript ClaimScript = RedisScript.Load("dedup-claim.lua");
    private static readonly RedisScript SettleScript = RedisScript.Load("dedup-settle.lua");

    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private long _requests;
    private long _storedElsewhere;
    private long _sharedClaims;
    private long _localClaims;
    private long _settleFailures;

    public SharedMode Mode { get; } = new();

    /// <summary>Events found stored by another node since start.</summary>
    public long StoredElsewhere => Volatile.Read(ref _storedElsewhere);

    /// <summary>Requests checked against the shared window, and those that could only use this node's own.</summary>
    public long SharedClaims => Volatile.Read(ref _sharedClaims);

    public long LocalClaims => Volatile.Read(ref _localClaims);

    /// <summary>Settlements that did not reach Redis: their claims expire after <see cref="PendingMs"/> instead.</summary>
    public long SettleFailures => Volatile.Read(ref _settleFailures);

    public async ValueTask<bool> ClaimAsync(DedupClaim claim, TimeSpan maxWait, CancellationToken cancel)
    {
        var deadline = Environment.TickCount64 + (long)maxWait.TotalMilliseconds;
        var token = _node + "-" + Interlocked.Increment(ref _requests).ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var rows = Open(claim);
            if (rows.Count == 0)
            {
                return true;
            }

            RedisKey[] keys = [.. rows.Select(r => Key(claim.KeyOf(r)))];
            long[] answer;
            try
            {
                answer = (long[])(await redis.RunAsync(db => ClaimScript.EvaluateAsync(db, keys, [token, PendingMs]), cancel))!;
            }
            catch (Exception e) when (!cancel.IsCancellationRequested)
            {
                // This node's own window only. Keys the lost answer may have set expire after PendingMs.
                Interlocked.Increment(ref _localClaims);
                if (Mode.EnterLocal(SharedMode.Describe(e), clock.UnixMilliseconds))
                {
                    logger.LogWarning("The duplicate window falls back to this node's own: {Reason}", Mode.Reason);
                }

                return true;
            }

            if (Mode.EnterShared())
            {
                logger.LogWarning("The duplicate window is shared again");
            }

            Interlocked.Increment(ref _sharedClaims);
            var claimed = new List<int>(rows.Count);
            var busy = false;
            for (var j = 0; j < rows.Count; j++)
            {
                switch (answer[j])
                {
                    case 0:
                        claimed.Add(rows[j]);
                        break;
                    case 1:
                        claim.MarkStoredElsewhere(rows[j]);
                        Interlocked.Increment(ref _storedElsewhere);
                        break;
                    default:
                        busy = true;
                        break;
                }
            }

            var shared = new SharedClaim(this, token, claimed);
            if (!busy)
            {
                claim.Attach(shared);
                return true;
            }

            // Another node is storing some of these events: give back what this request holds and look again, as
            // the local filter does, so two requests never wait on each other.
            shared.Settle(claim, null);
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return false;
            }

            await Task.Delay((int)Math.Min(PollMs, left), cancel);
        }
    }

    internal RedisKey Key(DedupKey key) =>
        redis.Key(string.Create(CultureInfo.InvariantCulture, $"dedup:{(key.ByContent ? 'c' : 'i')}:{key.Value:x16}"));

    /// <summary>How long a stored event's key is kept: the id window or the content window.</summary>
    internal long WindowMs(DedupKey key) => (key.ByContent ? Math.Max(1, options.ContentWindowSeconds) : options.IdWindowSeconds) * 1000L;

    /// <summary>Sends a settlement without waiting for it (the request's answer does not depend on it).</summary>
    internal void Send(RedisKey[] keys, RedisValue[] args) => _ = SendAsync(keys, args);

    /// <summary>Rows with a key that is neither a duplicate here nor found stored elsewhere yet.</summary>
    private static List<int> Open(DedupClaim claim)
    {
        var rows = new List<int>();
        for (var i = 0; i < claim.Count; i++)
        {
            if (claim.KeyOf(i).Value != 0 && !claim.IsDuplicate(i))
            {
                rows.Add(i);
            }
        }

        return rows;
    }

    private async Task SendAsync(RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            await redis.RunAsync(db => SettleScript.EvaluateAsync(db, keys, args));
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _settleFailures);
            logger.LogDebug("A duplicate-window settlement did not reach Redis ({Error}); its claims expire in {Ms} ms", SharedMode.Describe(e), PendingMs);
        }
    }
}
