using System.Security.Cryptography;

namespace Sluice.Core.Events;

/// <summary>
/// Makes ULID-shaped ids: 26 Crockford base-32 characters, 48 bits of milliseconds then 80 bits that start at a
/// random value per process and count up, so ids sort by admission time and never repeat within a process.
/// </summary>
public sealed class EventIdGenerator
{
    public const int Length = 26;

    private static readonly byte[] Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"u8.ToArray();

    private readonly ushort _high;
    private long _counter;

    public EventIdGenerator()
    {
        Span<byte> seed = stackalloc byte[10];
        RandomNumberGenerator.Fill(seed);
        _high = BitConverter.ToUInt16(seed);
        // Keep the top bit clear so the counter cannot wrap in the life of a process.
        _counter = BitConverter.ToInt64(seed[2..]) & 0x3FFF_FFFF_FFFF_FFFF;
    }

    /// <summary>Writes a new id for an event admitted at <paramref name="unixMs"/> into 26 bytes.</summary>
    public void Write(long unixMs, Span<byte> destination)
    {
        var low = (ulong)Interlocked.Increment(ref _counter);
        var value = ((UInt128)(ulong)unixMs << 80) | ((UInt128)_high << 64) | low;
        for (var i = Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }

    public string Next(long unixMs)
    {
        Span<byte> id = stackalloc byte[Length];
        Write(unixMs, id);
        return System.Text.Encoding.ASCII.GetString(id);
    }
}
