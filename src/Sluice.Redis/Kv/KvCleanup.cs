using Sluice.Core.Options;

namespace Sluice.Redis.Kv;

/// <summary>What a KV cleanup removes (docs/api.md, "KV store").</summary>
internal enum KvCleanupPolicy
{
    /// <summary>Files of expired values, and tombstones past <c>Kv:TombstoneSeconds</c> (or past <c>Kv:MaxKeys</c> of them).</summary>
    Ttl,

    /// <summary>The least recently used keys: those idle for <c>idle_seconds</c>, and the oldest past <c>max_keys</c> (Sluice's own keys not counted).</summary>
    Lru,

    /// <summary>The least recently used keys until the durable tier holds at most <c>max_bytes</c>.</summary>
    Size,

    /// <summary>The keys named.</summary>
    Manual,
}

internal sealed record KvCleanupRequest(KvCleanupPolicy Policy, bool DryRun)
{
    public IReadOnlyList<string> Keys { get; init; } = [];

    public long? MaxBytes { get; init; }

    public int? MaxKeys { get; init; }

    public long? IdleMs { get; init; }
}

/// <summary>One key a cleanup removed (or would): <c>delete</c> deletes it in every tier (a tombstone), <c>forget</c> removes this node's file of an expired value or tombstone.</summary>
internal sealed record KvCleanupItem(string Key, long Bytes, string Reason, string Action);

internal sealed record KvCleanupReport(KvCleanupPolicy Policy, bool DryRun, IReadOnlyList<KvCleanupItem> Items, IReadOnlyList<KvCleanupItem> Skipped, long TimestampMs, long DurationMs)
{
    public long BytesFreed => Items.Sum(i => i.Bytes);
}

/// <summary>
/// Plans a cleanup from the durable tier's index, then (unless a dry run) carries it out key by key through the
/// store, so a dry run lists exactly what the same run would remove at that moment. Sluice's own keys
/// (<c>sluice:</c>) are never removed by <c>lru</c>, <c>size</c> or <c>manual</c>.
/// </summary>
internal static class KvCleanup
{
    public static async Task<KvCleanupReport> RunAsync(KvStore store, KvCleanupRequest request, KvWriteMode mode)
    {
        var started = Environment.TickCount64;
        var now = store.Clock.UnixMilliseconds;
        var skipped = new List<KvCleanupItem>();
        var plan = request.Policy switch
        {
            KvCleanupPolicy.Ttl => Expired(store, now),
            KvCleanupPolicy.Lru => LeastRecentlyUsed(store, request, now),
            KvCleanupPolicy.Size => BySize(store, request.MaxBytes ?? store.Options.MaxDiskMb * 1024L * 1024, now),
            _ => await Named(store, request.Keys, skipped),
        };

        var done = new List<KvCleanupItem>(plan.Count);
        foreach (var (item, version) in plan)
        {
            if (request.DryRun)
            {
                done.Add(item);
            }
            else if (item.Action == "forget" ? await store.ForgetAsync(item.Key, version) : (await store.DeleteAsync(item.Key, mode)).Error is null)
            {
                done.Add(item);
            }
            else
            {
                skipped.Add(item with { Reason = "changed" }); // written or removed since it was planned
            }
        }

        if (request.Policy == KvCleanupPolicy.Ttl && !request.DryRun)
        {
            store.Cache.RemoveExpired(now);
        }

        return new KvCleanupReport(request.Policy, request.DryRun, done, skipped, now, Environment.TickCount64 - started);
    }

    private static List<(KvCleanupItem, long)> Expired(KvStore store, long now)
    {
        var all = store.Durable.Snapshot();
        var plan = all.Where(i => i.IsExpired(now))
            .Select(i => (new KvCleanupItem(i.Key, i.StoredBytes, i.IsTombstone ? "tombstone_expired" : "expired", "forget"), i.Version))
            .ToList();
        // Tombstones are bounded like keys: past Kv:MaxKeys of them the oldest are forgotten early.
        var tombstones = all.Where(i => i.IsTombstone && !i.IsExpired(now)).OrderBy(i => i.UpdatedMs).ToList();
        plan.AddRange(tombstones.Take(Math.Max(0, tombstones.Count - store.Options.MaxKeys))
            .Select(i => (new KvCleanupItem(i.Key, 0, "tombstone_cap", "forget"), i.Version)));
        return plan;
    }

    private static List<(KvCleanupItem, long)> LeastRecentlyUsed(KvStore store, KvCleanupRequest request, long now)
    {
        var live = Live(store, now).ToList();
        var over = request.MaxKeys is { } maxKeys ? Math.Max(0, live.Count - maxKeys) : 0;
        var plan = new List<(KvCleanupItem, long)>();
        foreach (var info in live)
        {
            var idle = request.IdleMs is { } idleMs && now - info.LastAccessMs >= idleMs;
            if (plan.Count < over || idle)
            {
                plan.Add((new KvCleanupItem(info.Key, info.StoredBytes, plan.Count < over ? "max_keys" : "idle", "delete"), info.Version));
            }
        }

        return plan;
    }

    private static List<(KvCleanupItem, long)> BySize(KvStore store, long maxBytes, long now)
    {
        var bytes = store.Durable.Bytes;
        var plan = new List<(KvCleanupItem, long)>();
        foreach (var info in Live(store, now))
        {
            if (bytes <= maxBytes)
            {
                break;
            }

            plan.Add((new KvCleanupItem(info.Key, info.StoredBytes, "max_bytes", "delete"), info.Version));
            bytes -= info.StoredBytes;
        }

        return plan;
    }

    private static async Task<List<(KvCleanupItem, long)>> Named(KvStore store, IReadOnlyList<string> keys, List<KvCleanupItem> skipped)
    {
        var plan = new List<(KvCleanupItem, long)>();
        var reads = await store.GetManyAsync([.. keys.Distinct(StringComparer.Ordinal)], repair: false);
        foreach (var read in reads)
        {
            if (KvKeys.IsReserved(read.Key))
            {
                skipped.Add(new KvCleanupItem(read.Key, 0, "reserved", "none"));
            }
            else if (!read.Found)
            {
                skipped.Add(new KvCleanupItem(read.Key, 0, "not_found", "none"));
            }
            else
            {
                plan.Add((new KvCleanupItem(read.Key, read.Entry!.Stored.Length, "named", "delete"), read.Entry.Version));
            }
        }

        return plan;
    }

    /// <summary>Values that may be removed, least recently used first.</summary>
    private static IEnumerable<DurableInfo> Live(KvStore store, long now) =>
        store.Durable.Snapshot().Where(i => !i.IsTombstone && !i.IsExpired(now) && !KvKeys.IsReserved(i.Key)).OrderBy(i => i.LastAccessMs);
}

