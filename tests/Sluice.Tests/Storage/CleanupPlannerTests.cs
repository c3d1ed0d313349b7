using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Storage.Partitions;
using Sluice.Storage.Retention;

namespace Sluice.Tests.Storage;

public class CleanupPlannerTests
{
    private const long H = PartInfo.HourMs;
    private const long Now = 1_000 * H;

    private static PartInfo Part(EventKind kind, long hoursAgo, long bytes = 100, PartTier tier = PartTier.Partitions) => new()
    {
        Path = $"/p/{kind}/{hoursAgo}-{tier}.parquet",
        Kind = kind,
        HourStart = Now - (hoursAgo * H),
        Rows = 10,
        Bytes = bytes,
        MinSeq = 1_000 - hoursAgo,
        MaxSeq = 1_000 - hoursAgo,
        MinTimestamp = Now - (hoursAgo * H),
        MaxTimestamp = Now - (hoursAgo * H) + 1,
        Tier = tier,
    };

    private static List<string> Plan(Manifest manifest, RetentionOptions options, CleanupRequest request) =>
        [.. CleanupPlanner.Plan(manifest, options, Now, request).Select(i => $"{i.Part.Path}:{i.Action}").Order()];

    [Fact]
    public void Ttl_takes_whole_hours_past_each_kinds_limit()
    {
        // An hour goes when its end is at least the TTL ago: the hour starting 48 h ago ends 47 h ago and stays.
        var manifest = new Manifest(0, [Part(EventKind.Traffic, 49), Part(EventKind.Traffic, 48), Part(EventKind.Log, 169), Part(EventKind.Log, 168)]);
        var all = new CleanupRequest { Policy = CleanupPolicy.Ttl };
        Assert.Equal(["/p/Log/169-Partitions.parquet:delete", "/p/Traffic/49-Partitions.parquet:delete"], Plan(manifest, new RetentionOptions(), all));
        Assert.Equal(["/p/Traffic/49-Partitions.parquet:delete"], Plan(manifest, new RetentionOptions(), all with { Kind = EventKind.Traffic }));
    }

    [Fact]
    public void With_an_archive_old_parts_move_and_archived_parts_expire_by_their_own_limit()
    {
        var manifest = new Manifest(0, [Part(EventKind.Traffic, 10), Part(EventKind.Traffic, 2), Part(EventKind.Log, 200), Part(EventKind.Log, 100, tier: PartTier.Archive), Part(EventKind.Log, 30 * 24, tier: PartTier.Archive)]);
        var options = new RetentionOptions { ArchiveAfterHours = 6, ArchiveDays = 14 };
        Assert.Equal(
            ["/p/Log/200-Partitions.parquet:archive", "/p/Log/720-Archive.parquet:delete", "/p/Traffic/10-Partitions.parquet:archive"],
            Plan(manifest, options, new CleanupRequest { Policy = CleanupPolicy.Ttl }));
    }

    [Fact]
    public void The_size_cap_removes_oldest_first_until_it_holds()
    {
        var manifest = new Manifest(0, [Part(EventKind.Log, 1, 300), Part(EventKind.Traffic, 3, 300), Part(EventKind.Log, 5, 300), Part(EventKind.Log, 2, 300, PartTier.Archive)]);
        var options = new RetentionOptions { MaxDiskBytes = 650 };
        Assert.Equal(["/p/Log/5-Partitions.parquet:delete"], Plan(manifest, options, new CleanupRequest { Policy = CleanupPolicy.Size }));
        Assert.Equal(["/p/Log/5-Partitions.parquet:delete", "/p/Traffic/3-Partitions.parquet:delete"], Plan(manifest, options with { MaxDiskBytes = 550 }, new CleanupRequest { Policy = CleanupPolicy.Size }));
        // Limited to logs, the cap still counts every kind but only drops logs.
        Assert.Equal(["/p/Log/1-Partitions.parquet:delete", "/p/Log/5-Partitions.parquet:delete"], Plan(manifest, options with { MaxDiskBytes = 250 }, new CleanupRequest { Policy = CleanupPolicy.Size, Kind = EventKind.Log }));
        Assert.Empty(Plan(manifest, options with { MaxDiskBytes = 0 }, new CleanupRequest { Policy = CleanupPolicy.Size }));
    }

    [Fact]
    public void Manual_takes_only_hours_wholly_inside_the_range()
    {
        var manifest = new Manifest(0, [Part(EventKind.Log, 5), Part(EventKind.Log, 4), Part(EventKind.Log, 3), Part(EventKind.Traffic, 4)]);
        var request = new CleanupRequest { Policy = CleanupPolicy.Manual, Kind = EventKind.Log, StartMs = Now - (5 * H) + 1, EndMs = Now - (2 * H) };
        Assert.Equal(["/p/Log/3-Partitions.parquet:delete", "/p/Log/4-Partitions.parquet:delete"], Plan(manifest, new RetentionOptions(), request));
        Assert.True((request with { EndMs = Now - (H / 2) }).TouchesLastHour(Now));
        Assert.False(request.TouchesLastHour(Now));
    }
}
