using System.Buffers.Binary;
using System.Numerics;

namespace Sluice.Redis.Kv;

/// <summary>
/// CRC-32C (Castagnoli) of a KV file, with the processor's CRC instruction. Storage keeps its own copy behind its
/// door (design.md §6), so the KV format carries this one; both compute the same standard checksum.
/// </summary>
internal static class KvChecksum
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var c = ~0u;
        while (data.Length >= 8)
        {
            c = BitOperations.Crc32C(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            c = BitOperations.Crc32C(c, b);
        }

        return ~c;
    }
}
