using Sluice.Core.Buffers;

namespace Sluice.Tests.Core;

/// <summary>The bounded varint reader the stored formats use: every number of the width back, damage refused.</summary>
public class VarintTests
{
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void Every_number_of_the_width_reads_back_after_what_came_before(int bits)
    {
        var random = new Random(bits);
        var max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var values = new List<ulong> { 0, 1, 127, 128, max, max - 1 };
        for (var i = 0; i < 1000; i++)
        {
            values.Add((ulong)random.NextInt64() >> random.Next(64) & max);
        }

        var bytes = new byte[values.Count * Varint.MaxBytes];
        var written = 0;
        foreach (var value in values)
        {
            written += Varint.Write(bytes.AsSpan(written), value);
        }

        var at = 0;
        foreach (var value in values)
        {
            Assert.True(Varint.TryRead(bytes.AsSpan(0, written), ref at, bits, out var read));
            Assert.Equal(value, read);
        }

        Assert.Equal(written, at);
    }

    [Theory]
    [InlineData(32, "FFFFFFFF1F")] // a bit past 32 set in the fifth byte
    [InlineData(32, "8080808080")] // a sixth byte announced
    [InlineData(32, "808080808000")] // six bytes, though the value fits
    [InlineData(64, "FFFFFFFFFFFFFFFFFF02")] // a bit past 64 set in the tenth byte
    [InlineData(64, "8080808080808080808000")] // eleven bytes
    [InlineData(64, "")] // nothing
    [InlineData(64, "8080")] // the bytes end inside the number
    public void A_number_past_the_bytes_or_the_width_is_refused_and_nothing_is_consumed(int bits, string hex)
    {
        var bytes = Convert.FromHexString("01" + hex);
        var at = 1;
        Assert.False(Varint.TryRead(bytes, ref at, bits, out var value));
        Assert.Equal(1, at);
        Assert.Equal(0UL, value);
    }

    [Fact]
    public void The_widest_numbers_read_whole()
    {
        var at = 0;
        Assert.True(Varint.TryRead(Convert.FromHexString("FFFFFFFF0F"), ref at, 32, out var largest32));
        Assert.Equal(uint.MaxValue, largest32);
        at = 0;
        Assert.True(Varint.TryRead(Convert.FromHexString("FFFFFFFFFFFFFFFFFF01"), ref at, 64, out var largest64));
        Assert.Equal(ulong.MaxValue, largest64);
    }
}
