using System.Numerics;

namespace Sluice.Storage.Summaries;

/// <summary>
/// Distinct-count sketch (Flajolet et al. 2007, with the small-range linear counting correction): 2^14 one-byte
/// registers, a standard error of 1.04/√16384 ≈ 0.8 %, so estimates stay inside the 2 % the summaries promise.
/// Sketches of different hours merge by taking the register-wise maximum.
/// </summary>
public sealed class HyperLogLog
{
    public const int Precision = 14;
    public const int RegisterCount = 1 << Precision;

    private readonly byte[] _registers;

    public HyperLogLog() => _registers = new byte[RegisterCount];

    private HyperLogLog(byte[] registers) => _registers = registers;

    /// <summary>Adds a 64-bit hash of the value (callers hash with XxHash3; the bits must be uniform).</summary>
    public void Add(ulong hash)
    {
        var index = (int)(hash >> (64 - Precision));
        // Rank of the first set bit in the remaining 50 bits, 1-based; a guard bit bounds it.
        var rest = (hash << Precision) | (1UL << (Precision - 1));
        var rank = (byte)(BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > _registers[index])
        {
            _registers[index] = rank;
        }
    }

    public void Merge(HyperLogLog other)
    {
        for (var i = 0; i < RegisterCount; i++)
        {
            if (other._registers[i] > _registers[i])
            {
                _registers[i] = other._registers[i];
            }
        }
    }

    public long Estimate()
    {
        double sum = 0;
        var zeros = 0;
        foreach (var r in _registers)
        {
            sum += Math.ScaleB(1.0, -r);
            if (r == 0)
            {
                zeros++;
            }
        }

        const double m = RegisterCount;
        var alpha = 0.7213 / (1 + (1.079 / m));
        var estimate = alpha * m * m / sum;
        if (estimate <= 2.5 * m && zeros > 0)
        {
            estimate = m * Math.Log(m / zeros);
        }

        return (long)Math.Round(estimate);
    }

    public bool IsEmpty => Array.TrueForAll(_registers, r => r == 0);

    internal byte[] ToBytes() => (byte[])_registers.Clone();

    internal static HyperLogLog FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == RegisterCount ? new HyperLogLog(bytes.ToArray()) : throw new InvalidDataException($"a sketch has {RegisterCount} registers, not {bytes.Length}");
}
