using System.Runtime.InteropServices;
using Sluice.Core.Options;

namespace Sluice.Admission.Dedup;

/// <summary>
/// Recognises events already stored: by id (any event whose client named its id), or by content (an event that
/// names its own time but no id, resent byte for byte within <see cref="DedupOptions.ContentWindowSeconds"/>).
/// <para>
/// Concurrent retries: a request first <em>claims</em> its keys. A key claimed by a request still in flight is
/// neither stored twice nor lost — the later request gives back everything it claimed, waits for the first to
/// finish, and looks again: if the first stored it, it is a duplicate; if the first failed, the key is free. A
/// request never waits while holding claims, so two requests cannot wait on each other.
/// </para>
/// </summary>
public sealed class DuplicateFilter
{
    private readonly object _gate = new();
    private readonly RecentKeys _ids;
    private readonly RecentKeys _contents;
    private readonly Dictionary<ulong, DedupClaim> _inFlight = [];

    public DuplicateFilter(DedupOptions options)
    {
        // Half the budget each: clients that send ids and clients that send only timestamps are both common.
        _ids = new RecentKeys(options.IdWindowSeconds * 1000L, Math.Max(2, options.MaxKeys / 2));
        _contents = new RecentKeys(Math.Max(1, options.ContentWindowSeconds) * 1000L, Math.Max(2, options.MaxKeys / 2));
        MatchContent = options.ContentWindowSeconds > 0;
    }

    /// <summary>Whether events without an id are matched by content.</summary>
    public bool MatchContent { get; }

    /// <summary>Keys remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _ids.Count + _contents.Count;
            }
        }
    }

    /// <summary>
    /// Claims the non-zero keys of a batch (<see cref="DedupKey"/>). On return each key is either a duplicate
    /// (<see cref="DedupClaim.IsDuplicate"/>) or held by the returned claim until it is committed or disposed.
    /// Null when another request held one of them for longer than <paramref name="maxWait"/>.
    /// </summary>
    public async ValueTask<DedupClaim?> ClaimAsync(DedupKey[] keys, int count, long nowMs, TimeSpan maxWait, CancellationToken cancel)
    {
        var deadline = Environment.TickCount64 + (long)maxWait.TotalMilliseconds;
        while (true)
        {
            var claim = new DedupClaim(this, keys, count, nowMs);
            DedupClaim? blocker;
            lock (_gate)
            {
                blocker = TryClaim(claim);
            }

            if (blocker is null)
            {
                return claim;
            }

            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return null;
            }

            await blocker.Finished.WaitAsync(TimeSpan.FromMilliseconds(left), cancel).ContinueWith(static _ => { }, TaskScheduler.Default);
            cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Marks each key as seen or held, or gives everything back and names the request in the way.</summary>
    private DedupClaim? TryClaim(DedupClaim claim)
    {
        for (var i = 0; i < claim.Count; i++)
        {
            var key = claim.Keys[i];
            if (key.Value == 0)
            {
                continue;
            }

            if (Seen(key, claim.NowMs))
            {
                claim.MarkDuplicate(i);
                continue;
            }

            // One lookup finds the holder or takes the key: this runs for every event of every request.
            ref var holder = ref CollectionsMarshal.GetValueRefOrAddDefault(_inFlight, key.Value, out var held);
            if (!held)
            {
                holder = claim;
            }
            else if (holder == claim)
            {
                // The same id twice in one request is one event. The same content twice is two: a retry
                // resends a whole request, it does not repeat a line inside one.
                if (!key.ByContent)
                {
                    claim.MarkDuplicate(i);
                }
            }
            else
            {
                var owner = holder; // read before Release changes the dictionary
                Release(claim);
                return owner;
            }
        }

        return null;
    }

    internal void Commit(DedupClaim claim, Func<int, bool> stored)
    {
        lock (_gate)
        {
            for (var i = 0; i < claim.Count; i++)
            {
                var key = claim.Keys[i];
                if (key.Value == 0 || !_inFlight.Remove(key.Value, out var owner))
                {
                    continue; // no key, a duplicate found here, or a repeat of a key this claim has settled already
                }

                if (owner != claim)
                {
                    _inFlight[key.Value] = owner; // another request's: put back (one lookup less for the usual case)
                    continue;
                }

                // Held by this claim: stored now, or found stored by another node in the shared window.
                if (stored(i) || claim.IsDuplicate(i))
                {
                    (key.ByContent ? _contents : _ids).Add(key.Value, claim.NowMs);
                }
            }
        }
    }

    internal void Release(DedupClaim claim)
    {
        // Called under _gate from TryClaim, or on its own from Dispose.
        lock (_gate)
        {
            for (var i = 0; i < claim.Count; i++)
            {
                var key = claim.Keys[i].Value;
                if (key != 0 && _inFlight.TryGetValue(key, out var owner) && owner == claim)
                {
                    _inFlight.Remove(key);
                }
            }
        }
    }

    /// <summary>Remembers a stored key without a claim (seeding the window from the events recovered at start).</summary>
    public void Remember(DedupKey key, long nowMs)
    {
        lock (_gate)
        {
            (key.ByContent ? _contents : _ids).Add(key.Value, nowMs);
        }
    }

    private bool Seen(DedupKey key, long nowMs) => (key.ByContent ? _contents : _ids).Contains(key.Value, nowMs);
}

/// <summary>An event's duplicate key: a hash of its id, or of its content; 0 when it has none.</summary>
public readonly record struct DedupKey(ulong Value, bool ByContent)
{
    public static DedupKey OfId(ReadOnlySpan<byte> id) => new(System.IO.Hashing.XxHash3.HashToUInt64(id) | 1, false);
}

/// <summary>
/// The keys of one request while it is being stored. <see cref="Commit"/> once the events are durable; disposing
/// without committing gives every key back, so a retry of a failed request is stored.
/// </summary>
public sealed class DedupClaim : IDisposable
{
    private readonly DuplicateFilter _filter;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool[]? _duplicates;
    private int _done;

    internal DedupClaim(DuplicateFilter filter, DedupKey[] keys, int count, long nowMs)
    {
        _filter = filter;
        Keys = keys;
        Count = count;
        NowMs = nowMs;
    }

    internal DedupKey[] Keys { get; }

    /// <summary>Rows of the request (each with a key or none).</summary>
    public int Count { get; }

    /// <summary>The shared window's part of this claim, settled with it (<see cref="ISharedDuplicates"/>).</summary>
    internal ISharedDedupClaim? Shared { get; private set; }

    internal long NowMs { get; }

    internal Task Finished => _finished.Task;

    public int Duplicates { get; private set; }

    public bool IsDuplicate(int row) => _duplicates is { } d && d[row];

    /// <summary>The duplicate key of a row; <see cref="DedupKey.Value"/> 0 when it has none.</summary>
    public DedupKey KeyOf(int row) => Keys[row];

    /// <summary>The shared window found the row's key stored by another node.</summary>
    public void MarkStoredElsewhere(int row) => MarkDuplicate(row);

    /// <summary>Settles <paramref name="shared"/> when this claim commits or is disposed.</summary>
    public void Attach(ISharedDedupClaim shared) => Shared = shared;

    internal void MarkDuplicate(int row)
    {
        _duplicates ??= new bool[Count];
        if (!_duplicates[row])
        {
            _duplicates[row] = true;
            Duplicates++;
        }
    }

    /// <summary>The events are durable: rows for which <paramref name="stored"/> is true are remembered, the rest freed.</summary>
    public void Commit(Func<int, bool> stored)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _filter.Commit(this, stored);
            Shared?.Settle(this, stored);
            _finished.TrySetResult();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _filter.Release(this);
            Shared?.Settle(this, null);
            _finished.TrySetResult();
        }
    }
}
