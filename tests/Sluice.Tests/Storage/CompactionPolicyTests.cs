using Sluice.Core.Events;
using Sluice.Storage.Partitions;

namespace Sluice.Tests.Storage;

/// <summary>Compaction rewrites an hour only when that buys something: small parts to fold, or too many files.</summary>
public sealed class CompactionPolicyTests
{
    [Theory]
    [InlineData(new long[] { 300_000 }, false)]                      // one seal part: already final
    [InlineData(new long[] { 50 }, false)]                           // one small part: nothing to merge it with
    [InlineData(new long[] { 300_000, 250_000 }, false)]             // two large parts stay two
    [InlineData(new long[] { 300_000, 40 }, true)]                   // late events made a small part
    [InlineData(new long[] { 10, 20, 30 }, true)]                    // a quiet hour sealed by time
    [InlineData(new long[] { 200_000, 200_000, 200_000, 200_000, 200_000, 200_000, 200_000, 200_000, 200_000 }, true)] // too many files
    public void Merges_small_or_many_parts_only(long[] rows, bool merges) =>
        Assert.Equal(merges, CompactionPolicy.NeedsMerge([.. rows.Select((n, i) => Part(n, i))], 100_000));

    private static PartInfo Part(long rows, int i) => new()
    {
        Path = $"part-{i}.parquet",
        Kind = EventKind.Log,
        HourStart = 0,
        Rows = rows,
        Bytes = rows * 30,
        MinSeq = i * 1_000_000L,
        MaxSeq = (i * 1_000_000L) + rows,
        MinTimestamp = 0,
        MaxTimestamp = 1,
    };
}
