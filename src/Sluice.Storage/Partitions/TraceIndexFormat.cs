using Sluice.Core.Buffers;

namespace Sluice.Storage.Partitions;

/// <summary>
/// The trace index of a stats file, as bytes: the entry count, then per trace in key order the gap from the previous
/// key, the first offset and the span to the last, each an unsigned LEB128 varint. Keys are the top 32 bits of the
/// trace id's 64-bit hash: a lookup reads the part's rows anyway and keeps only the trace's own, so a shared key costs
/// a read, never a wrong answer (about 1 in 10^6 per part of 4,000 traces). Offsets are in units of
/// <c>resolutionMs</c> from the hour's start: 1 in version 2, 1,000 in version 3, whose spans are whole seconds, the
/// first rounded down and the last up (a lookup only narrows its read to the span, so a wider one reads at most a
/// row group more, and traces are still matched by id). About 8.5 bytes a trace in ms, 6.1 in seconds (the standard
/// dataset's 200,000 traces), against version 1's 16 (each key, first and last written whole).
/// </summary>
internal static class TraceIndexFormat
{
    /// <summary>The key a trace id's 64-bit hash has in the index.</summary>
    public static uint KeyOf(ulong hash) => (uint)(hash >> 32);

    public static byte[] Encode(uint[] keys, uint[] first, uint[] last, uint resolutionMs)
    {
        var buffer = new byte[5 + (keys.Length * 15)];
        var at = Write(buffer, 0, (uint)keys.Length);
        var previous = 0u;
        for (var i = 0; i < keys.Length; i++)
        {
            at = Write(buffer, at, keys[i] - previous);
            at = Write(buffer, at, first[i] / resolutionMs);
            at = Write(buffer, at, (last[i] / resolutionMs) - (first[i] / resolutionMs));
            previous = keys[i];
        }

        return buffer[..at];
    }

    /// <summary>
    /// Reads what <see cref="Encode"/> wrote, each span widened to whole units; a damaged index (keys out of order,
    /// offsets past 32 bits of ms) throws.
    /// </summary>
    public static (uint[] Keys, uint[] First, uint[] Last) Decode(ReadOnlySpan<byte> bytes, uint resolutionMs)
    {
        var at = 0;
        var count = Read(bytes, ref at);
        if (count > (uint)(bytes.Length / 3))
        {
            // Each entry takes at least 3 bytes: a count past that is damage, refused before anything is allocated.
            throw new InvalidDataException($"a trace index of {bytes.Length} bytes cannot hold {count} traces");
        }

        var (keys, first, last) = (new uint[count], new uint[count], new uint[count]);
        var key = 0UL;
        for (var i = 0; i < keys.Length; i++)
        {
            var gap = Read(bytes, ref at);
            key += gap;
            if ((i > 0 && gap == 0) || key > uint.MaxValue)
            {
                throw new InvalidDataException("the keys of a trace index are not strictly increasing 32-bit values");
            }

            keys[i] = (uint)key;
            var from = (ulong)Read(bytes, ref at);
            var to = from + Read(bytes, ref at);
            if (to * resolutionMs > uint.MaxValue)
            {
                throw new InvalidDataException("a trace of a trace index ends past 32 bits");
            }

            // The last unit widened to its end, which the last unit of 32 bits does not reach (written from uint.MaxValue).
            first[i] = (uint)(from * resolutionMs);
            last[i] = (uint)Math.Min(((to + 1) * resolutionMs) - 1, uint.MaxValue);
        }

        if (at != bytes.Length)
        {
            throw new InvalidDataException($"a trace index has {bytes.Length - at} bytes after its {count} traces");
        }

        return (keys, first, last);
    }

    private static int Write(byte[] buffer, int at, uint value) => at + Varint.Write(buffer.AsSpan(at), value);

    private static uint Read(ReadOnlySpan<byte> bytes, ref int at) =>
        Varint.TryRead(bytes, ref at, 32, out var value) ? (uint)value : throw new InvalidDataException("a trace index ends inside a number or holds one past 32 bits");
}
