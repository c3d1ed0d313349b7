using System.Globalization;
using Sluice.ClickHouse;
using Sluice.ClickHouse.Retention;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>Retention on ClickHouse (18.16 has no TTL): whole daily partitions go once every event in them is past the node's retention.</summary>
public sealed class ClickHouseRetentionTests
{
    private const long Day = 86_400_000;

    [ClickHouseFact]
    public async Task Days_wholly_past_the_retention_are_dropped_and_younger_days_kept_per_kind()
    {
        var database = ClickHouseFactAttribute.NewDatabase();
        using var store = new ClickHouseStore(new ClickHouseOptions { Url = ClickHouseFactAttribute.Url!, Database = database }, new Dependencies(new BreakerOptions()), "retention");
        await store.EnsureSchemaAsync(CancellationToken.None);
        var now = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var http = new ClickHouseHttp(ClickHouseFactAttribute.Url!);
        var seq = 0;
        async Task InsertAsync(string table, string kind, long timestamp)
        {
            var row = string.Create(CultureInfo.InvariantCulture, $$"""{"node":"retention","seq":{{++seq}},"timestamp":{{timestamp}},"kind":"{{kind}}","level":"info","id":"e{{seq}}"}""");
            Assert.Equal("", await http.ScalarAsync($"INSERT INTO {database}.{table} FORMAT JSONEachRow {row}"));
        }

        // Logs kept 3 days: the day ending 3 days ago goes; the day holding an event 2.5 days old stays.
        await InsertAsync("logs", "log", now - (10 * Day));
        await InsertAsync("logs", "log", now - (4 * Day));
        await InsertAsync("logs", "log", now - (Day * 5 / 2));
        await InsertAsync("logs", "log", now);
        // Traffic kept 48 hours: 5 days old goes, yesterday stays.
        await InsertAsync("traffic", "traffic", now - (5 * Day));
        await InsertAsync("traffic", "traffic", now - Day);

        var retention = new ClickHouseRetention(store, new RetentionOptions { LogDays = 3, TrafficHours = 48 });
        var dropped = await retention.RunAsync(now, CancellationToken.None);

        Assert.Equal(["logs/20261123", "logs/20261129", "traffic/20261128"], dropped.Order());
        Assert.Equal("2", await http.ScalarAsync($"SELECT count() FROM {database}.logs"));
        Assert.Equal("1", await http.ScalarAsync($"SELECT count() FROM {database}.traffic"));
        Assert.Empty(await retention.RunAsync(now, CancellationToken.None)); // nothing more to drop
    }
}
