using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Storage.Wal;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

public class WalTests
{
    private static WriteAheadLog Open(string dir, RecordingConsumer consumer, long segmentBytes = 64 * 1024 * 1024, DurabilityMode durability = DurabilityMode.Fsync) =>
        new(dir, new WalOptions { SegmentBytes = segmentBytes }, durability, consumer, NullLogger.Instance);

    [Fact]
    public async Task Appended_batches_are_replayed_in_order_after_reopen()
    {
        using var dir = new TempDirectory();
        var first = new RecordingConsumer();
        using (var wal = Open(dir.Path, first))
        {
            wal.Open();
            Assert.Equal(1, await wal.AppendAsync(Rows.Batch([("a", 1, null, "x"), ("b", 2, null, "y")]), 2));
            Assert.Equal(3, await wal.AppendAsync(Rows.Single("c"), 1));
        }

        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c")], first.Events);
        var replay = new RecordingConsumer();
        using var reopened = Open(dir.Path, replay);
        var result = reopened.Open();
        Assert.Equal(first.Events, replay.Events);
        Assert.Equal(4, result.NextSeq);
        Assert.Equal(4, await reopened.AppendAsync(Rows.Single("d"), 1));
    }

    [Fact]
    public async Task Concurrent_appends_share_fsyncs_and_each_gets_its_own_sequence_range()
    {
        using var dir = new TempDirectory();
        var consumer = new RecordingConsumer();
        using var wal = Open(dir.Path, consumer);
        wal.Open();
        var tasks = Enumerable.Range(0, 400).Select(i => Task.Run(() => wal.AppendAsync(Rows.Batch([($"e{i}a", i, null, "m"), ($"e{i}b", i, null, "m")]), 2))).ToArray();
        var firsts = await Task.WhenAll(tasks);
        Assert.Equal(400, firsts.Distinct().Count());
        Assert.All(firsts, f => Assert.Equal(1, f % 2));
        Assert.Equal(800, consumer.Events.Select(e => e.Id).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 800).Select(i => (long)i), consumer.Events.Select(e => e.Seq));
        Assert.True(wal.Stats.Fsyncs <= wal.Stats.Records, "each record costs at most one fsync");
        Assert.Equal(400, wal.Stats.Records);
    }

    [Fact]
    public async Task Trimmed_segments_replay_from_the_persisted_point_and_a_gap_stops_start_up()
    {
        using var dir = new TempDirectory();
        using (var wal = Open(dir.Path, new RecordingConsumer(), segmentBytes: 64 * 1024))
        {
            wal.Open();
            for (var i = 0; i < 300; i++)
            {
                await wal.AppendAsync(Rows.Single($"e{i}", message: new string('x', 600)), 1);
            }

            // Events through 150 are "in partitions": only segments wholly at or below it go.
            var trimmed = wal.TrimThrough(150);
            Assert.True(trimmed > 0);
            Assert.Equal(trimmed, wal.Stats.SegmentsTrimmed);
            Assert.Equal(0, wal.TrimThrough(150));
        }

        var replay = new RecordingConsumer();
        using (var reopened = Open(dir.Path, replay, segmentBytes: 64 * 1024))
        {
            var result = reopened.Open(persistedThroughSeq: 150);
            Assert.Equal(301, result.NextSeq);
            Assert.True(replay.Events[0].Seq is > 1 and <= 151, $"replay starts at {replay.Events[0].Seq}");
            Assert.Equal(Enumerable.Range((int)replay.Events[0].Seq, 301 - (int)replay.Events[0].Seq).Select(i => (long)i), replay.Events.Select(e => e.Seq));
            Assert.Equal(301, await reopened.AppendAsync(Rows.Single("next"), 1));
        }

        // Claiming fewer persisted events than the trimmed log lost is a gap: refuse to start rather than lose them.
        using var gap = Open(dir.Path, new RecordingConsumer(), segmentBytes: 64 * 1024);
        Assert.Throws<InvalidDataException>(() => gap.Open(persistedThroughSeq: 0));
    }

    [Fact]
    public async Task A_log_that_ends_before_the_persisted_point_starts_a_fresh_segment()
    {
        // Batch durability and a power cut: parts were sealed through event 10, the log kept only 3.
        using var dir = new TempDirectory();
        using (var wal = Open(dir.Path, new RecordingConsumer()))
        {
            wal.Open();
            await wal.AppendAsync(Rows.Batch([("a", 1, null, "x"), ("b", 2, null, "y"), ("c", 3, null, "z")]), 3);
        }

        using (var reopened = Open(dir.Path, new RecordingConsumer()))
        {
            reopened.Open(persistedThroughSeq: 10);
            Assert.Equal(11, await reopened.AppendAsync(Rows.Single("d"), 1));
        }

        // Without the fresh segment, "d" would follow "c" in one segment and the next recovery would see a gap.
        var replay = new RecordingConsumer();
        using var again = Open(dir.Path, replay);
        again.Open(persistedThroughSeq: 10);
        Assert.Equal([(11L, "d")], replay.Events);
    }

    [Fact]
    public async Task A_log_trimmed_to_nothing_resumes_after_the_persisted_point()
    {
        using var dir = new TempDirectory();
        using (var wal = Open(dir.Path, new RecordingConsumer()))
        {
            wal.Open(persistedThroughSeq: 500);
            Assert.Equal(501, await wal.AppendAsync(Rows.Single("after"), 1));
        }
    }

    [Fact]
    public async Task Segments_roll_over_and_replay_across_them()
    {
        using var dir = new TempDirectory();
        var consumer = new RecordingConsumer();
        using (var wal = Open(dir.Path, consumer, segmentBytes: 64 * 1024))
        {
            wal.Open();
            for (var i = 0; i < 300; i++)
            {
                await wal.AppendAsync(Rows.Single($"id{i}", message: new string('m', 500)), 1);
            }
        }

        Assert.True(WalRecovery.ListSegments(dir.Path).Count > 2);
        var replay = new RecordingConsumer();
        using var reopened = Open(dir.Path, replay, segmentBytes: 64 * 1024);
        reopened.Open();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"id{i}"), replay.Events.Select(e => e.Id));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(27)]
    [InlineData(40)]
    public async Task Torn_tail_is_cut_and_never_misread(int bytesCut)
    {
        using var dir = new TempDirectory();
        await WriteThree(dir.Path);
        var segment = WalRecovery.ListSegments(dir.Path).Single().Path;
        var full = new FileInfo(segment).Length;
        using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.SetLength(full - bytesCut);
        }

        var replay = new RecordingConsumer();
        using var wal = Open(dir.Path, replay);
        var result = wal.Open();
        Assert.Equal(["a", "b"], replay.Events.Select(e => e.Id));
        Assert.True(result.TruncatedBytes > 0);
        Assert.Equal(3, await wal.AppendAsync(Rows.Single("d"), 1));
        wal.Dispose();

        var again = new RecordingConsumer();
        using var third = Open(dir.Path, again);
        Assert.Equal(0, third.Open().TruncatedBytes);
        Assert.Equal(["a", "b", "d"], again.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task Corrupted_last_record_is_cut()
    {
        using var dir = new TempDirectory();
        await WriteThree(dir.Path);
        var segment = WalRecovery.ListSegments(dir.Path).Single().Path;
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[^5] ^= 0x5A;
        await File.WriteAllBytesAsync(segment, bytes);

        var replay = new RecordingConsumer();
        using var wal = Open(dir.Path, replay);
        wal.Open();
        Assert.Equal(["a", "b"], replay.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task Zeroed_tail_is_cut()
    {
        using var dir = new TempDirectory();
        await WriteThree(dir.Path);
        var segment = WalRecovery.ListSegments(dir.Path).Single().Path;
        await using (var stream = new FileStream(segment, FileMode.Append))
        {
            stream.Write(new byte[4096]);
        }

        var replay = new RecordingConsumer();
        using var wal = Open(dir.Path, replay);
        var result = wal.Open();
        Assert.Equal(["a", "b", "c"], replay.Events.Select(e => e.Id));
        Assert.Equal(4096, result.TruncatedBytes);
    }

    [Fact]
    public async Task A_damaged_header_stops_recovery_but_an_incomplete_one_is_rewritten()
    {
        using var dir = new TempDirectory();
        await WriteThree(dir.Path);
        var segment = WalRecovery.ListSegments(dir.Path).Single().Path;
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[3] ^= 1;
        await File.WriteAllBytesAsync(segment, bytes);
        using (var damaged = Open(dir.Path, new RecordingConsumer()))
        {
            Assert.Throws<InvalidDataException>(() => damaged.Open());
        }

        await File.WriteAllBytesAsync(segment, bytes[..10]);
        var replay = new RecordingConsumer();
        using var wal = Open(dir.Path, replay);
        Assert.Equal(10, wal.Open().TruncatedBytes);
        Assert.Empty(replay.Events);
        Assert.Equal(1, await wal.AppendAsync(Rows.Single("fresh"), 1));
    }

    [Fact]
    public async Task Damage_before_the_last_segment_stops_recovery()
    {
        using var dir = new TempDirectory();
        using (var wal = Open(dir.Path, new RecordingConsumer(), segmentBytes: 64 * 1024))
        {
            wal.Open();
            for (var i = 0; i < 300; i++)
            {
                await wal.AppendAsync(Rows.Single($"id{i}", message: new string('m', 500)), 1);
            }
        }

        var firstSegment = WalRecovery.ListSegments(dir.Path)[0].Path;
        var bytes = await File.ReadAllBytesAsync(firstSegment);
        bytes[WalFormat.SegmentHeaderSize + 40] ^= 0xFF;
        await File.WriteAllBytesAsync(firstSegment, bytes);

        using var reopened = Open(dir.Path, new RecordingConsumer(), segmentBytes: 64 * 1024);
        var error = Assert.Throws<InvalidDataException>(() => reopened.Open());
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_durability_acks_and_still_replays_after_clean_close()
    {
        using var dir = new TempDirectory();
        using (var wal = Open(dir.Path, new RecordingConsumer(), durability: DurabilityMode.Batch))
        {
            wal.Open();
            await wal.AppendAsync(Rows.Single("a"), 1);
        }

        var replay = new RecordingConsumer();
        using var reopened = Open(dir.Path, replay);
        reopened.Open();
        Assert.Equal(["a"], replay.Events.Select(e => e.Id));
    }

    private static async Task WriteThree(string dir)
    {
        using var wal = Open(dir, new RecordingConsumer());
        wal.Open();
        await wal.AppendAsync(Rows.Single("a"), 1);
        await wal.AppendAsync(Rows.Single("b"), 1);
        await wal.AppendAsync(Rows.Single("c", message: "third"), 1);
    }
}

public class EventStoreTests
{
    [Fact]
    public async Task Appends_are_refused_until_recovery_has_run()
    {
        using var dir = new TempDirectory();
        var options = new SluiceOptions { DataDir = dir.Path };
        using var store = new Sluice.Storage.EventStore(options, DataDirectory.Open(dir.Path), Sluice.Core.Time.SystemClock.Instance, NullLogger.Instance);
        Assert.False(store.IsReady);
        await Assert.ThrowsAsync<WalUnavailableException>(() => store.AppendAsync(Rows.Single("early"), 1));

        store.Recover();
        Assert.True(store.IsReady);
        Assert.Equal(1, await store.AppendAsync(Rows.Single("late"), 1));
        Assert.True(store.Hot.TryFind("late"u8, out _));
        Assert.False(store.Hot.TryFind("early"u8, out _));
    }
}

public class PartitionStoreTests
{
    private static Sluice.Storage.EventStore Open(string dir) =>
        new(new SluiceOptions { DataDir = dir }, DataDirectory.Open(dir), Sluice.Core.Time.SystemClock.Instance, NullLogger.Instance);

    private static async Task SealTwoEvents(string dir)
    {
        using var store = Open(dir);
        store.Recover();
        await store.AppendAsync(Rows.Batch([("p1", 1_000, "t", "first"), ("p2", 3_600_001, "t", "second")]), 2);
        await store.Worker.FlushAsync();
        Assert.Equal(2, store.Catalog.Current.PersistedThroughSeq);
    }

    [Fact]
    public async Task A_moved_data_directory_keeps_its_parts()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        await SealTwoEvents(first.Path);
        var moved = Path.Combine(second.Path, "moved");
        Directory.Move(first.Path, moved);

        using var store = Open(moved);
        store.Recover();
        Assert.Equal(2, store.Catalog.Current.Parts.Count);
        Assert.All(store.Catalog.Current.Parts, p => Assert.StartsWith(moved, p.Path, StringComparison.Ordinal));
        Assert.All(store.Catalog.Current.Parts, p => Assert.True(File.Exists(p.Path)));
        Directory.Move(moved, first.Path);
    }

    [Fact]
    public async Task A_missing_part_stops_start_up_and_deletes_nothing()
    {
        using var dir = new TempDirectory();
        await SealTwoEvents(dir.Path);
        var parts = Directory.GetFiles(Path.Combine(dir.Path, "partitions"), "*.parquet", SearchOption.AllDirectories);
        File.Delete(parts[0]);
        var stray = Path.Combine(dir.Path, "partitions", "part-000000000900-000000000901.parquet");
        File.WriteAllText(stray, "unlisted");

        using var store = Open(dir.Path);
        var error = Assert.Throws<InvalidDataException>(() => store.Recover());
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(stray), "nothing may be deleted while the manifest and the disk disagree");
        Assert.True(File.Exists(parts[1]));
    }
}
