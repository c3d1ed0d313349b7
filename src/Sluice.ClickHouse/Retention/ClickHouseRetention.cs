using System.Globalization;
using Sluice.Core.Events;
using Sluice.Core.Options;

namespace Sluice.ClickHouse.Retention;

/// <summary>
/// Keeps ClickHouse to the same retention as the node (<c>Retention:LogDays</c>, <c>Retention:TrafficHours</c>) by
/// dropping whole daily partitions once their last hour is past it (18.16 has no TTL). A day is dropped only when
/// every event in it is older than the retention, so the store holds at most a day more than the node.
/// The retention is read at each run (<see cref="Retention"/>), so a runtime change applies from the next one.
/// </summary>
public sealed class ClickHouseRetention(ClickHouseStore store, RetentionOptions retention)
{
    private volatile RetentionOptions _retention = retention;

    /// <summary>The retention the next run applies.</summary>
    public RetentionOptions Retention
    {
        get => _retention;
        set => _retention = value;
    }

    /// <summary>Drops the expired partitions on every server holding data; answers what it dropped (table and day).</summary>
    public async Task<IReadOnlyList<string>> RunAsync(long nowMs, CancellationToken cancel)
    {
        await store.EnsureSchemaAsync(cancel);
        var dropped = new List<string>();
        var retention = _retention;
        foreach (var server in store.DataServers)
        {
            foreach (var kind in ClickHouseSchema.Kinds)
            {
                var keepMs = kind == EventKind.Traffic ? retention.TrafficHours * 3_600_000L : retention.LogDays * 86_400_000L;
                var table = store.Sharded ? ClickHouseSchema.LocalTable(kind) : ClickHouseSchema.Table(kind);
                var answer = await server.QueryAsync(
                    $"SELECT DISTINCT partition FROM system.parts WHERE database = {ClickHouseDialect.Literal(store.Database)} " +
                    $"AND table = {ClickHouseDialect.Literal(table)} AND active FORMAT TabSeparated", cancel: cancel);
                foreach (var partition in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!DateTime.TryParseExact(partition, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
                    {
                        continue;
                    }

                    var dayEndMs = new DateTimeOffset(day.AddDays(1)).ToUnixTimeMilliseconds();
                    if (dayEndMs > nowMs - keepMs)
                    {
                        continue;
                    }

                    await server.ExecuteAsync($"ALTER TABLE {store.Database}.{table} DROP PARTITION {partition}", cancel: cancel);
                    dropped.Add($"{table}/{partition}");
                }
            }
        }

        return dropped;
    }
}
