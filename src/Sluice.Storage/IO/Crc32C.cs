using System.Buffers.Binary;
using System.Numerics;

namespace Sluice.Storage.IO;

/// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it (SSE4.2 / ARMv8 CRC).</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
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
