using System.Text;
using Sluice.Core.Buffers;

namespace Sluice.Storage.Summaries;

/// <summary>
/// The primitives of <see cref="SummaryDetail"/>'s bytes: unsigned LEB128 varints and strings as a varint length
/// then UTF-8 (<see cref="Varint"/>'s). Reads are bounded by the buffer and the width: a number cut short or past
/// 64 bits, or a length or count past what is left, is damage and throws.
/// </summary>
internal static class DetailEncoding
{
    public static void Write(List<byte> to, ulong value)
    {
        Span<byte> bytes = stackalloc byte[Varint.MaxBytes];
        to.AddRange(bytes[..Varint.Write(bytes, value)]);
    }

    public static void Write(List<byte> to, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Write(to, (ulong)bytes.Length);
        to.AddRange(bytes);
    }

    public static ulong Read(ReadOnlySpan<byte> bytes, ref int at) =>
        Varint.TryRead(bytes, ref at, 64, out var value) ? value : throw new InvalidDataException("stored counts end inside a number or hold one past 64 bits");

    /// <summary>A count of items that each take at least one byte: more than the bytes left is damage.</summary>
    public static int ReadCount(ReadOnlySpan<byte> bytes, ref int at)
    {
        var count = Read(bytes, ref at);
        return count <= (ulong)(bytes.Length - at) ? (int)count : throw new InvalidDataException($"stored counts announce {count} items in {bytes.Length - at} bytes");
    }

    public static long ReadCountValue(ReadOnlySpan<byte> bytes, ref int at)
    {
        var value = Read(bytes, ref at);
        return value <= long.MaxValue ? (long)value : throw new InvalidDataException("stored counts hold a count past 63 bits");
    }

    public static string ReadString(ReadOnlySpan<byte> bytes, ref int at)
    {
        var length = ReadCount(bytes, ref at);
        var value = Encoding.UTF8.GetString(bytes.Slice(at, length));
        at += length;
        return value;
    }
}
