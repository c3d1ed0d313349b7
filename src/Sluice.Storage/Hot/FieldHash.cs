using System.IO.Hashing;

namespace Sluice.Storage.Hot;

/// <summary>
/// Hashes of field values for the hot tier's filters and indexes. The 64-bit hash is also stored in part stats
/// (trace index, distinct-IP sketch): XxHash3 with seed 0 is a fixed algorithm, so stored hashes stay comparable.
/// </summary>
public static class FieldHash
{
    /// <summary>0 stands for "absent"; a present value never hashes to 0.</summary>
    public static int Of32(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        var h = (int)XxHash3.HashToUInt64(value);
        return h == 0 ? 1 : h;
    }

    public static ulong Of64(ReadOnlySpan<byte> value) => XxHash3.HashToUInt64(value);
}
