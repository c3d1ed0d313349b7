using Sluice.Admission.Dedup;

namespace Sluice.Tests.Admission;

/// <summary>The duplicate window's flat key set answers exactly as a <see cref="HashSet{T}"/> would, through growth, clears and the key 0.</summary>
public class KeySetTests
{
    [Fact]
    public void Random_adds_lookups_and_clears_agree_with_a_hash_set()
    {
        var random = new Random(14);
        var keys = new KeySet();
        var expected = new HashSet<ulong>();
        // Few distinct small keys (collisions, repeats, 0) mixed with random 64-bit ones (growth).
        ulong Next() => random.Next(4) == 0 ? (ulong)random.Next(64) : (ulong)random.NextInt64() << 1 | (uint)random.Next(2);
        for (var i = 0; i < 300_000; i++)
        {
            var key = Next();
            switch (random.Next(100))
            {
                case 0 when random.Next(50) == 0:
                    keys.Clear();
                    expected.Clear();
                    break;
                case < 50:
                    keys.Add(key);
                    expected.Add(key);
                    break;
                default:
                    Assert.Equal(expected.Contains(key), keys.Contains(key));
                    break;
            }

            Assert.Equal(expected.Count, keys.Count);
        }

        foreach (var key in expected)
        {
            Assert.True(keys.Contains(key));
        }
    }

    [Fact]
    public void Keys_that_share_a_slot_are_all_kept()
    {
        var keys = new KeySet();
        // Multiples of 2^52 all land in slot 0 of a small table: each must be found past the others.
        for (ulong i = 1; i <= 200; i++)
        {
            keys.Add(i << 52);
        }

        for (ulong i = 1; i <= 200; i++)
        {
            Assert.True(keys.Contains(i << 52));
        }

        Assert.False(keys.Contains(201UL << 52));
        Assert.False(keys.Contains(0));
        keys.Add(0);
        Assert.True(keys.Contains(0));
        Assert.Equal(201, keys.Count);
    }
}
