using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Sluice.Core.IO;

namespace Sluice.Redis.Kv;

/// <summary>
/// The durable tier: one file per key under <c>meta/kv/</c>, named by a hash of the key
/// (<c>meta/kv/3f/3f9a…e1.kv</c>), each replaced whole and atomically (<see cref="AtomicFile"/>), so a crash leaves
/// the old version or the new. An index in memory (rebuilt at start from the files' headers) answers stats,
/// cleanup and reconciliation. Callers serialise writes to one key (<see cref="KvStore"/>'s key locks).
/// </summary>
internal sealed class DurableTier
{
    public const string Suffix = ".kv";

    private readonly string _root;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DurableInfo> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _directories = new(StringComparer.Ordinal);
    private long _bytes;
    private int _live;
    private int _tombstones;
    private long _damaged;

    public DurableTier(string root, ILogger logger)
    {
        _root = root;
        _logger = logger;
        AtomicFile.CreateDirectory(root);
        Load();
    }

    /// <summary>Keys holding a value (expired ones included until they are swept).</summary>
    public int LiveKeys => Volatile.Read(ref _live);

    public int Tombstones => Volatile.Read(ref _tombstones);

    /// <summary>Stored (compressed) bytes of every value.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Files found damaged at start or on a read (left in place, counted, treated as absent).</summary>
    public long Damaged => Interlocked.Read(ref _damaged);

    public DurableInfo? Info(string key) => _index.TryGetValue(key, out var info) ? info : null;

    public IReadOnlyList<DurableInfo> Snapshot() => [.. _index.Values];

    /// <summary>The whole entry, or null when the key has no file or its file is damaged.</summary>
    public KvEntry? Read(string key)
    {
        if (!_index.ContainsKey(key))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathOf(key));
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        if (KvFileFormat.Decode(bytes) is { } entry && entry.Key == key)
        {
            return entry;
        }

        Interlocked.Increment(ref _damaged);
        _logger.LogWarning("A KV file is damaged and is treated as absent: {Path}", Path.GetRelativePath(_root, PathOf(key)));
        return null;
    }

    /// <summary>Writes <paramref name="entry"/> durably (fsynced) and indexes it; the caller holds the key's lock.</summary>
    public DurableInfo Write(KvEntry entry, long redisUntilMs)
    {
        var path = PathOf(entry.Key);
        var directory = Path.GetDirectoryName(path)!;
        if (!_directories.ContainsKey(directory))
        {
            AtomicFile.CreateDirectory(directory);
            _directories[directory] = true;
        }

        AtomicFile.Write(path, KvFileFormat.Encode(entry));
        var info = new DurableInfo(entry, entry.Stored.Length, redisUntilMs);
        Account(_index.TryGetValue(entry.Key, out var old) ? old : null, info);
        _index[entry.Key] = info;
        return info;
    }

    /// <summary>Deletes the key's file (an expired value, an expired tombstone); the caller holds the key's lock.</summary>
    public bool Remove(string key)
    {
        if (!_index.TryRemove(key, out var old))
        {
            return false;
        }

        AtomicFile.Discard(PathOf(key));
        Account(old, null);
        return true;
    }

    /// <summary>meta/kv/&lt;2 hex&gt;/&lt;32 hex&gt;.kv: the first 128 bits of the key's SHA-256, so no key can name a path.</summary>
    public string PathOf(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var name = Convert.ToHexStringLower(hash[..16]);
        return Path.Combine(_root, name[..2], name + Suffix);
    }

    private void Account(DurableInfo? old, DurableInfo? now)
    {
        if (old is not null)
        {
            Interlocked.Add(ref _bytes, -old.StoredBytes);
            Interlocked.Decrement(ref old.IsTombstone ? ref _tombstones : ref _live);
        }

        if (now is not null)
        {
            Interlocked.Add(ref _bytes, now.StoredBytes);
            Interlocked.Increment(ref now.IsTombstone ? ref _tombstones : ref _live);
        }
    }

    private void Load()
    {
        var header = new byte[KvFileFormat.HeaderBytes + ushort.MaxValue + KvFileFormat.MaxContentTypeBytes];
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            _directories[directory] = true;
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                if (path.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal))
                {
                    AtomicFile.Discard(path); // a write that never finished; the old file is intact
                    continue;
                }

                if (path.EndsWith(Suffix, StringComparison.Ordinal))
                {
                    Index(path, header);
                }
            }
        }
    }

    private void Index(string path, byte[] header)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        var read = RandomAccess.Read(handle, header, 0);
        if (KvFileFormat.ReadHeader(header.AsSpan(0, read), out var bodyStart, out var storedLength) is not { } entry
            || length != bodyStart + (long)storedLength + 4 || PathOf(entry.Key) != path)
        {
            Interlocked.Increment(ref _damaged);
            _logger.LogWarning("A KV file is damaged and is left out: {Path}", Path.GetRelativePath(_root, path));
            return;
        }

        var info = new DurableInfo(entry, storedLength, entry.RedisUntil(entry.UpdatedMs));
        _index[entry.Key] = info;
        Account(null, info);
    }
}
