using System.Globalization;
using Sluice.Core.Resilience;
using StackExchange.Redis;

namespace Sluice.Redis.Kv;

/// <summary>
/// The Redis tier: each key a hash under <c>{Redis:KeyPrefix}kv:{key}</c> with fields <c>v</c> version, <c>f</c>
/// flags, <c>t</c> content type, <c>d</c> stored bytes, <c>n</c> raw length, <c>u</c> updated ms, <c>e</c> expires
/// at ms, <c>c</c> cache ttl ms, <c>r</c> redis ttl ms, and an absolute expiry (PEXPIREAT) where the tier's time to
/// live ends. Writes are conditional on the version (a Lua script), so nodes pushing the same key in any order leave
/// the newest. Every call goes through the connection's breaker; callers fall back to the other tiers when it throws.
/// </summary>
internal sealed class RedisTier(RedisConnection connection)
{
    public const string Namespace = "kv:";

    private const string PutScript = """
        local cur = redis.call('HGET', KEYS[1], 'v')
        if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[1], 'f', ARGV[2], 't', ARGV[3], 'd', ARGV[4], 'n', ARGV[5], 'u', ARGV[6], 'e', ARGV[7], 'c', ARGV[8], 'r', ARGV[9])
        local at = tonumber(ARGV[10])
        if at > 0 then redis.call('PEXPIREAT', KEYS[1], at) else redis.call('PERSIST', KEYS[1]) end
        return 1
        """;

    private const string RemoveOlderScript = """
        local cur = redis.call('HGET', KEYS[1], 'v')
        if cur and tonumber(cur) < tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return 1 end
        return 0
        """;

    private static readonly RedisValue[] VersionAndSize = ["v", "f"];

    public RedisConnection Connection => connection;

    /// <summary>Whether calls are worth trying: connected, and the breaker not open.</summary>
    public bool Available => connection.IsConnected && connection.Breaker.State != BreakerState.Open;

    public RedisKey KeyOf(string key) => connection.Key(Namespace + key);

    public async Task<KvEntry?> GetAsync(string key) =>
        Parse(key, await connection.RunAsync(db => db.HashGetAllAsync(KeyOf(key))));

    /// <summary>Several keys in one round trip (pipelined).</summary>
    public async Task<KvEntry?[]> GetManyAsync(IReadOnlyList<string> keys)
    {
        var all = await connection.RunAsync(db => Task.WhenAll(keys.Select(k => db.HashGetAllAsync(KeyOf(k)))));
        return [.. keys.Select((k, i) => Parse(k, all[i]))];
    }

    /// <summary>Writes <paramref name="entry"/> unless Redis holds that version or a newer one; true when written.</summary>
    /// <param name="untilMs">When the copy expires in Redis (absolute, ms); 0: never.</param>
    public async Task<bool> PutAsync(KvEntry entry, long untilMs) =>
        (long)await connection.RunAsync(db => db.ScriptEvaluateAsync(PutScript, [KeyOf(entry.Key)],
        [
            entry.Version, (int)entry.Flags, entry.ContentType, entry.Stored, entry.RawLength, entry.UpdatedMs,
            entry.ExpiresAtMs, entry.CacheTtlMs, entry.RedisTtlMs, untilMs,
        ])) == 1;

    /// <summary>Deletes Redis's copy if it is older than <paramref name="version"/> (a newer write that Redis must not hold).</summary>
    public async Task RemoveOlderAsync(string key, long version) =>
        await connection.RunAsync(db => db.ScriptEvaluateAsync(RemoveOlderScript, [KeyOf(key)], [version]));

    /// <summary>The version Redis holds of each key (null: none), pipelined.</summary>
    public async Task<long?[]> VersionsAsync(IReadOnlyList<string> keys)
    {
        var all = await connection.RunAsync(db => Task.WhenAll(keys.Select(k => db.HashGetAsync(KeyOf(k), "v"))));
        return [.. all.Select(v => v.IsNull ? (long?)null : (long)v)];
    }

    /// <summary>
    /// Counts the values (not tombstones) in Redis's KV namespace and their stored bytes with SCAN, stopping after
    /// <paramref name="maxKeys"/> keys (then <c>Complete</c> is false). Every node's keys are counted.
    /// </summary>
    public async Task<(long Keys, long Bytes, bool Complete)> CountAsync(long maxKeys)
    {
        var pattern = Glob(connection.Key(Namespace).ToString()) + "*";
        long keys = 0, bytes = 0, seen = 0;
        var cursor = "0";
        do
        {
            var page = await connection.RunAsync(db => db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000));
            var parts = (RedisResult[])page!;
            cursor = (string)parts[0]!;
            var names = ((RedisResult[])parts[1]!).Select(r => (RedisKey)(byte[])r!).ToArray();
            seen += names.Length;
            var fields = await connection.RunAsync(db => Task.WhenAll(names.Select(n => db.HashGetAsync(n, VersionAndSize))));
            var sizes = await connection.RunAsync(db => Task.WhenAll(names.Select(n => db.ExecuteAsync("HSTRLEN", n, "d"))));
            for (var i = 0; i < names.Length; i++)
            {
                if (!fields[i][1].IsNull && ((KvFlags)(int)fields[i][1] & KvFlags.Tombstone) == 0)
                {
                    keys++;
                    bytes += (long)sizes[i];
                }
            }
        }
        while (cursor != "0" && seen < maxKeys);
        return (keys, bytes, cursor == "0");
    }

    public async Task<TimeSpan> PingAsync() => await connection.RunAsync(db => db.PingAsync());

    private static KvEntry? Parse(string key, HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        if (!map.TryGetValue("v", out var version) || !map.TryGetValue("d", out var data))
        {
            return null; // not a value this store wrote
        }

        return new KvEntry
        {
            Key = key,
            Version = (long)version,
            Flags = (KvFlags)(int)Field(map, "f"),
            ContentType = map.TryGetValue("t", out var type) ? type.ToString() : "",
            Stored = (byte[])data! ?? [],
            RawLength = (int)Field(map, "n"),
            UpdatedMs = Field(map, "u"),
            ExpiresAtMs = Field(map, "e"),
            CacheTtlMs = Field(map, "c"),
            RedisTtlMs = Field(map, "r"),
        };
    }

    private static long Field(Dictionary<string, RedisValue> map, string name) =>
        map.TryGetValue(name, out var value) && long.TryParse(value.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>Escapes the glob characters of a key prefix for SCAN's MATCH.</summary>
    private static string Glob(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
