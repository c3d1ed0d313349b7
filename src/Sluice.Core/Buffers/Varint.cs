namespace Sluice.Core.Buffers;

/// <summary>LEB128 varints and zig-zag signed integers, as used by the row format (docs/wal.md).</summary>
public static class Varint
{
    public const int MaxBytes = 10;

    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static int WriteSigned(Span<byte> destination, long value) =>
        Write(destination, (ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Reads a varint; returns the bytes consumed, or 0 when the input is truncated or overlong.</summary>
    public static int TryRead(ReadOnlySpan<byte> source, out ulong value)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < source.Length && i < MaxBytes; i++)
        {
            var b = source[i];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return i + 1;
            }

            shift += 7;
        }

        value = 0;
        return 0;
    }

    /// <summary>
    /// Reads a varint of at most <paramref name="bits"/> bits (up to 64) at <paramref name="at"/> and moves past it.
    /// False, with <paramref name="at"/> unmoved, where it runs past the bytes or past the width (more bytes than the
    /// width takes, or a bit above it set): damage, which the caller names. The stored formats read their numbers so.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ref int at, int bits, out ulong value)
    {
        value = 0;
        for (int i = at, shift = 0; i < source.Length && shift < bits; i++, shift += 7)
        {
            var payload = (ulong)(source[i] & 0x7F);
            if (bits - shift < 7 && payload >> (bits - shift) != 0)
            {
                break;
            }

            value |= payload << shift;
            if (source[i] < 0x80)
            {
                at = i + 1;
                return true;
            }
        }

        value = 0;
        return false;
    }

    public static int TryReadSigned(ReadOnlySpan<byte> source, out long value)
    {
        var read = TryRead(source, out var raw);
        value = (long)(raw >> 1) ^ -(long)(raw & 1);
        return read;
    }

    public static int SizeOf(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }
}
