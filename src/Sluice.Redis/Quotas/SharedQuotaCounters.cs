using Microsoft.Extensions.Logging;
using Sluice.Admission.Quotas;
using StackExchange.Redis;

namespace Sluice.Redis.Quotas;

/// <summary>
/// Quota counters shared by every node through Redis: one script call per batch counts all its events atomically
/// (<see cref="QuotaCountCall"/>; a second, still atomic, walks a batch that reaches a refusing limit), so the limits
/// hold to the event across nodes.
/// <para>
/// When Redis cannot be reached (the breaker is open, or a call fails), the node counts on its own: with its own
/// counters, starting from the last shared counts it saw, each event counting as many as there are nodes
/// (<c>Redis:NodeCount</c>), so it admits its share of what the limits leave. It notes what it counted, and when
/// Redis answers again — tried at most once a second, one batch at a time — it reconciles: adds those counts to the
/// shared counters of the windows still current, then counts shared again. The epoch key tells whether Redis kept its
/// data meanwhile; if not (it restarted empty), the node adds everything it counted in the current windows instead.
/// </para>
/// </summary>
internal sealed class SharedQuotaCounters : IQuotaCounters
{
    /// <summary>How often a node on its own fallback tries Redis again.</summary>
    internal const long RetryMs = 1_000;

    /// <summary>Most counters added in one reconcile call.</summary>
    private const int AddChunk = 1_000;

    private static readonly RedisScript Count = RedisScript.Load("quota-count.lua");
    private static readonly RedisScript Walk = RedisScript.Load("quota-walk.lua");
    private static readonly RedisScript EpochScript = RedisScript.Load("quota-epoch.lua");
    private static readonly RedisScript Add = RedisScript.Load("quota-add.lua");

    private readonly RedisConnection _redis;
    private readonly Func<QuotaBook> _book;
    private readonly LocalQuotaCounters _fallback;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private string _epoch = "";
    private bool _lostPending;
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private long _nextTryMs;
    private long _sharedEvents;
    private long _localEvents;
    private long _reconciles;
    private long _reconciledEvents;

    public SharedQuotaCounters(RedisConnection redis, Func<QuotaBook> book, int nodeCount, ILogger logger)
    {
        _redis = redis;
        _book = book;
        _fallback = new LocalQuotaCounters(nodeCount, tracksOwed: true);
        _logger = logger;
        NodeCount = nodeCount;
    }

    public SharedMode Mode { get; } = new();

    public int NodeCount { get; }

    /// <summary>Events counted on the shared counters since start.</summary>
    public long SharedEvents => Volatile.Read(ref _sharedEvents);

    /// <summary>Events counted on this node's own fallback since start.</summary>
    public long LocalEvents => Volatile.Read(ref _localEvents);

    /// <summary>Reconciles done since start (the first contact included), and the events they added to the shared counters.</summary>
    public long Reconciles => Volatile.Read(ref _reconciles);

    public long ReconciledEvents => Volatile.Read(ref _reconciledEvents);

    public async ValueTask CountAsync(QuotaTally tally, CancellationToken cancel)
    {
        if (tally.EntryCount == 0)
        {
            return;
        }

        // At most twice round: a failed shared call, or counters found in another epoch, sends the batch local.
        for (var round = 0; round < 2; round++)
        {
            // The first contact (no epoch yet) is waited for, so that nodes starting under load do not each admit
            // their share on top of the shared limit; a node on its fallback only tries again when due.
            await ReconcileAsync(tally.NowMs, wait: Mode.IsShared, cancel);
            string epoch;
            lock (_gate)
            {
                if (!Mode.IsShared || _epoch.Length == 0)
                {
                    CountLocally(tally);
                    return;
                }

                epoch = _epoch;
            }

            try
            {
                // Events at a limit known to be full need no call; far from the refusing limits one call adds the
                // batch; near one, a second walks it event by event.
                tally.RefuseAtKnownLimits();
                var call = new QuotaCountCall(tally, _redis, epoch);
                if (call.IsEmpty)
                {
                    Interlocked.Add(ref _sharedEvents, tally.EventCount);
                    return;
                }

                var answer = call.ApplyCount(await _redis.RunAsync(db => Count.EvaluateAsync(db, call.Keys, call.CountArgs()), cancel));
                if (answer == CountAnswer.MayRefuse)
                {
                    answer = call.ApplyWalk(await _redis.RunAsync(db => Walk.EvaluateAsync(db, call.Keys, call.WalkArgs()), cancel));
                }

                if (answer == CountAnswer.Counted)
                {
                    Interlocked.Add(ref _sharedEvents, tally.EventCount);
                    return;
                }

                GoLocal("the shared counters are of another epoch (Redis restarted empty or lost its data)", tally.NowMs, retryNow: true);
            }
            catch (Exception e) when (!cancel.IsCancellationRequested)
            {
                GoLocal(SharedMode.Describe(e), tally.NowMs, retryNow: false);
            }
        }

        lock (_gate)
        {
            CountLocally(tally);
        }
    }

    private void CountLocally(QuotaTally tally)
    {
        _fallback.Count(tally);
        Interlocked.Add(ref _localEvents, tally.EventCount);
    }

    private void GoLocal(string reason, long nowMs, bool retryNow)
    {
        lock (_gate)
        {
            if (retryNow)
            {
                _epoch = "";
            }

            Volatile.Write(ref _nextTryMs, retryNow ? 0 : Environment.TickCount64 + RetryMs);
            if (Mode.EnterLocal(reason, nowMs))
            {
                _logger.LogWarning("Quotas fall back to this node's share of each limit ({NodeCount} nodes): {Reason}", NodeCount, reason);
            }
        }
    }

    /// <summary>
    /// Unless counting is shared already: learns the epoch, adds what this node owes the shared counters, and
    /// switches to shared counting. On the fallback it is tried when due (once a second, the breaker letting calls
    /// through) by one batch while the others count on; the first contact is waited for when <paramref name="wait"/>.
    /// </summary>
    private async ValueTask ReconcileAsync(long nowMs, bool wait, CancellationToken cancel)
    {
        if (Mode.IsShared && _epoch.Length > 0)
        {
            return;
        }

        if (!Mode.IsShared && !Due())
        {
            return;
        }

        if (wait)
        {
            await _reconciling.WaitAsync(cancel);
        }
        else if (!await _reconciling.WaitAsync(0, cancel))
        {
            return;
        }

        try
        {
            if ((Mode.IsShared && _epoch.Length > 0) || (!Mode.IsShared && !Due()))
            {
                return; // done by the batch this one waited for, or tried by it in vain
            }

            Volatile.Write(ref _nextTryMs, Environment.TickCount64 + RetryMs);
            var proposed = Guid.NewGuid().ToString("N");
            var known = _epoch;
            // The node's work, not the request's: a request that goes away must not leave owed counts unsent.
            var answer = (RedisResult[])(await _redis.RunAsync(db => EpochScript.EvaluateAsync(db, [_redis.Key(QuotaKeys.Epoch)], [known, proposed]), CancellationToken.None))!;
            var lost = (long)answer[0] == 1 || _lostPending;
            List<OwedCount> owed;
            lock (_gate)
            {
                owed = _book().TakeOwed(nowMs); // the book in force: rules changed since have new keys and owe nothing
                _epoch = (string)answer[1]!;
                _lostPending = lost;
                Mode.EnterShared(); // from here batches count shared; this node's owed counts follow in a moment
            }

            long added;
            try
            {
                added = await AddAsync(owed, lost, nowMs, CancellationToken.None);
            }
            catch
            {
                lock (_gate)
                {
                    QuotaBook.ReturnOwed(owed);
                }

                throw;
            }

            _lostPending = false;
            Interlocked.Increment(ref _reconciles);
            Interlocked.Add(ref _reconciledEvents, added);
            if (added > 0)
            {
                _logger.LogWarning("Quotas are shared again: added {Events} events this node counted {When}", added,
                    lost ? "in the current windows (Redis had lost its counters)" : "while Redis was away");
            }
        }
        catch (Exception e)
        {
            GoLocal(SharedMode.Describe(e), nowMs, retryNow: false);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    private bool Due() => Environment.TickCount64 >= Volatile.Read(ref _nextTryMs) && _redis.Breaker.IsAvailable;

    /// <summary>
    /// INCRBY each counter by what this node owes it (all it counted, when Redis lost its data), in chunks; the
    /// counts Redis answers replace the node's own estimates.
    /// </summary>
    private async Task<long> AddAsync(List<OwedCount> owed, bool lost, long nowMs, CancellationToken cancel)
    {
        var total = 0L;
        var chunk = new List<OwedCount>(AddChunk);
        foreach (var o in owed)
        {
            var events = lost ? o.Mine : o.Owed;
            if (events <= 0)
            {
                continue;
            }

            chunk.Add(o with { Owed = events });
            total += events;
            if (chunk.Count == AddChunk)
            {
                await SendAsync(chunk, nowMs, cancel);
            }
        }

        if (chunk.Count > 0)
        {
            await SendAsync(chunk, nowMs, cancel);
        }

        return total;
    }

    /// <param name="chunk">Counters with the events to add to each as <see cref="OwedCount.Owed"/>.</param>
    private async Task SendAsync(List<OwedCount> chunk, long nowMs, CancellationToken cancel)
    {
        RedisKey[] keys = [.. chunk.Select(o => _redis.Key(QuotaKeys.Counter(o.Rule, o.Window, o.Key)))];
        RedisValue[] args = [.. chunk.SelectMany(o => new RedisValue[] { o.Owed, QuotaKeys.LifetimeMs(o.Rule, o.Window, nowMs) })];
        var counts = (long[])(await _redis.RunAsync(db => Add.EvaluateAsync(db, keys, args), cancel))!;
        for (var i = 0; i < chunk.Count; i++)
        {
            QuotaBook.SawShared(chunk[i], counts[i]);
        }

        chunk.Clear();
    }
}
