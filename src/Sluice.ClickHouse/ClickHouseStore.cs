using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Resilience;

namespace Sluice.ClickHouse;

/// <summary>
/// ClickHouse as this node sees it: the server questions go to (<c>ClickHouse:Url</c>), the shard this node writes
/// into, and every shard (for its tables and retention). One server is all three when the store is not sharded.
/// Tables are made on first use, with <c>IF NOT EXISTS</c>, so every node may make them.
/// </summary>
public sealed class ClickHouseStore : IDisposable
{
    /// <summary>The dependency's name in health, metrics and <c>POST /api/admin/chaos</c>.</summary>
    public const string DependencyName = "clickhouse";

    private readonly ClickHouseOptions _options;
    private readonly List<ClickHouseClient> _shards = [];
    private volatile bool _schemaReady;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);

    public ClickHouseStore(ClickHouseOptions options, Dependencies dependencies, string node)
    {
        _options = options;
        Node = node;
        Breaker = dependencies.Breaker(DependencyName, static e => e is not OperationCanceledException && e is not ClickHouseException { IsStatementError: true });
        var timeout = TimeSpan.FromMilliseconds(options.TimeoutMs);
        Reader = new ClickHouseClient(options.Url, options.User, options.Password, timeout, Breaker);
        foreach (var url in options.Shards.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            _shards.Add(new ClickHouseClient(url, options.User, options.Password, timeout, Breaker));
        }

        var shard = options.Shard >= 0 ? options.Shard : (int)(StableHash(node) % (ulong)Math.Max(1, _shards.Count));
        if (Sharded && shard >= _shards.Count)
        {
            throw new ArgumentException($"ClickHouse:Shard is {options.Shard} but ClickHouse:Shards names {_shards.Count} servers");
        }

        Writer = Sharded ? _shards[shard] : Reader;
        ShardIndex = Sharded ? shard : 0;
    }

    public DependencyBreaker Breaker { get; }

    public string Database => _options.Database;

    /// <summary>This node's id: with <c>seq</c>, it names each of its events uniquely in the store.</summary>
    public string Node { get; }

    public bool Sharded => _shards.Count > 0;

    /// <summary>Where questions go.</summary>
    public ClickHouseClient Reader { get; }

    /// <summary>Where this node's events go.</summary>
    public ClickHouseClient Writer { get; }

    public int ShardIndex { get; }

    /// <summary>Every server holding data tables: the shards, or the one server.</summary>
    public IReadOnlyList<ClickHouseClient> DataServers => Sharded ? _shards : [Reader];

    /// <summary>The table this node writes a kind's events into.</summary>
    public string WriteTable(EventKind kind) => $"{Database}.{(Sharded ? ClickHouseSchema.LocalTable(kind) : ClickHouseSchema.Table(kind))}";

    /// <summary>The table questions read for a kind (every node's events).</summary>
    public string ReadTable(EventKind kind) => $"{Database}.{ClickHouseSchema.Table(kind)}";

    /// <summary>Makes the database and tables where they are missing; once per process once it succeeded.</summary>
    public async ValueTask EnsureSchemaAsync(CancellationToken cancel)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancel);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            foreach (var server in DataServers)
            {
                await server.ExecuteAsync(ClickHouseSchema.CreateDatabase(Database), cancel: cancel);
                foreach (var kind in ClickHouseSchema.Kinds)
                {
                    var table = Sharded ? ClickHouseSchema.LocalTable(kind) : ClickHouseSchema.Table(kind);
                    await server.ExecuteAsync(ClickHouseSchema.CreateTable(Database, table, kind), settings: ClickHouseDialect.CreateSettings, cancel: cancel);
                }
            }

            if (Sharded)
            {
                await Reader.ExecuteAsync(ClickHouseSchema.CreateDatabase(Database), cancel: cancel);
                foreach (var kind in ClickHouseSchema.Kinds)
                {
                    await Reader.ExecuteAsync(ClickHouseSchema.CreateDistributed(Database, kind, _options.Cluster), settings: ClickHouseDialect.CreateSettings, cancel: cancel);
                }
            }

            await Reader.ExecuteAsync(ClickHouseSchema.CreateEvents(Database), settings: ClickHouseDialect.CreateSettings, cancel: cancel);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    public void Dispose()
    {
        Reader.Dispose();
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }

        _schemaGate.Dispose();
    }

    /// <summary>FNV-1a: the same shard for the same node on every start and every platform.</summary>
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
