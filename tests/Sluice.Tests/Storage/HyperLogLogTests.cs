using System.Text;
using Sluice.Storage.Hot;
using Sluice.Storage.Summaries;

namespace Sluice.Tests.Storage;

public class HyperLogLogTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(1_000)]
    [InlineData(30_000)]
    [InlineData(300_000)]
    [InlineData(2_000_000)]
    public void Estimates_stay_within_two_percent(int distinct)
    {
        var sketch = new HyperLogLog();
        for (var i = 0; i < distinct; i++)
        {
            var hash = FieldHash.Of64(Encoding.UTF8.GetBytes($"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"));
            sketch.Add(hash);
            sketch.Add(hash); // repeats change nothing
        }

        var estimate = sketch.Estimate();
        Assert.InRange(estimate, distinct * 0.98, distinct * 1.02);
    }

    [Fact]
    public void Merging_sketches_counts_the_union_and_survives_a_round_trip()
    {
        var a = new HyperLogLog();
        var b = new HyperLogLog();
        for (var i = 0; i < 60_000; i++)
        {
            var hash = FieldHash.Of64(BitConverter.GetBytes(i));
            (i < 40_000 ? a : b).Add(hash);
            if (i is >= 20_000 and < 40_000)
            {
                b.Add(hash);
            }
        }

        var restored = HyperLogLog.FromBytes(a.ToBytes());
        Assert.Equal(a.Estimate(), restored.Estimate());
        restored.Merge(b);
        Assert.InRange(restored.Estimate(), 60_000 * 0.98, 60_000 * 1.02);
        Assert.Throws<InvalidDataException>(() => HyperLogLog.FromBytes(new byte[10]));
    }
}
