using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Options;
using Sluice.Storage.Wal;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

/// <summary>
/// Property: whatever happens to the tail of the log — a cut anywhere, a flipped byte, trailing garbage —
/// recovery returns a prefix of what was written, in order, never a record that was not written.
/// </summary>
public class WalDamageTests
{
    [Fact]
    public async Task Any_damage_recovers_a_prefix_and_a_cut_recovers_every_whole_record_before_it()
    {
        using var dir = new TempDirectory();
        var source = Path.Combine(dir.Path, "source");
        var written = new List<string>();
        var recordEnds = new List<(long End, int Events)>();
        var random = new Random(42);
        using (var wal = new WriteAheadLog(source, new WalOptions(), DurabilityMode.None, new RecordingConsumer(), NullLogger.Instance))
        {
            wal.Open();
            var segment = WalRecovery.ListSegments(source).Single().Path;
            for (var r = 0; r < 40; r++)
            {
                var count = random.Next(1, 6);
                var batch = Enumerable.Range(0, count).Select(i => ($"r{r}e{i}", (long)r, (string?)null, new string('x', random.Next(0, 300)))).ToList();
                await wal.AppendAsync(Rows.Batch(batch), count);
                written.AddRange(batch.Select(b => b.Item1));
                recordEnds.Add((new FileInfo(segment).Length, written.Count));
            }
        }

        var original = await File.ReadAllBytesAsync(WalRecovery.ListSegments(source).Single().Path);
        for (var trial = 0; trial < 300; trial++)
        {
            var damaged = (byte[])original.Clone();
            var cut = -1L;
            switch (trial % 3)
            {
                case 0:
                    cut = random.Next(WalFormat.SegmentHeaderSize, damaged.Length + 1);
                    damaged = damaged[..(int)cut];
                    break;
                case 1:
                    damaged[random.Next(WalFormat.SegmentHeaderSize, damaged.Length)] ^= (byte)random.Next(1, 256);
                    break;
                default:
                    var garbage = new byte[random.Next(1, 200)];
                    random.NextBytes(garbage);
                    damaged = [.. damaged, .. garbage];
                    break;
            }

            var trialDir = Path.Combine(dir.Path, $"t{trial}");
            Directory.CreateDirectory(trialDir);
            await File.WriteAllBytesAsync(Path.Combine(trialDir, WalFormat.SegmentFileName(1)), damaged);

            var replay = new RecordingConsumer();
            using var wal = new WriteAheadLog(trialDir, new WalOptions(), DurabilityMode.None, replay, NullLogger.Instance);
            wal.Open();
            var ids = replay.Events.Select(e => e.Id).ToList();
            Assert.Equal(written.Take(ids.Count), ids);
            Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), replay.Events.Select(e => e.Seq));
            if (cut >= 0)
            {
                var whole = recordEnds.LastOrDefault(r => r.End <= cut).Events;
                Assert.Equal(whole, ids.Count);
            }

            // The log stays usable: a new append continues the sequence and survives the next recovery.
            Assert.Equal(ids.Count + 1, await wal.AppendAsync(Rows.Single("after"), 1));
            wal.Dispose();
            var again = new RecordingConsumer();
            using var reopened = new WriteAheadLog(trialDir, new WalOptions(), DurabilityMode.None, again, NullLogger.Instance);
            Assert.Equal(0, reopened.Open().TruncatedBytes);
            Assert.Equal([.. ids, "after"], again.Events.Select(e => e.Id));
            Directory.Delete(trialDir, recursive: true);
        }
    }
}
