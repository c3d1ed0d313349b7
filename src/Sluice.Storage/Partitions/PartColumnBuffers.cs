using System.Runtime.InteropServices;
using ParquetSharp;

namespace Sluice.Storage.Partitions;

/// <summary>
/// One string column of a row group, as UTF-8 copied from the rows into one pinned buffer: the writer reads each
/// value where it lies (<see cref="ByteArray"/> is a pointer and a length), so no .NET string is made per value.
/// Reused from row group to row group and part to part: its arrays are large-object-heap sized, and allocating
/// them per part was most of the server's large-object garbage while sealing (issue 14).
/// </summary>
internal sealed class Utf8ColumnBuffer(int rows, bool required)
{
    private readonly short[] _definition = new short[rows];
    // Value i is _bytes[_starts[i] .. _starts[i + 1]).
    private readonly int[] _starts = new int[rows + 1];
    private byte[] _bytes = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
    private int _count;

    /// <summary>Sets row <paramref name="row"/>'s value; rows not set stay null (the column must be optional).</summary>
    public void Set(int row, ReadOnlySpan<byte> utf8)
    {
        var used = _starts[_count];
        if (used + utf8.Length > _bytes.Length)
        {
            // Values are addressed by offset until written, so the buffer may move: pinned arrays are never compacted.
            var larger = GC.AllocateUninitializedArray<byte>(Math.Max(_bytes.Length * 2, used + utf8.Length), pinned: true);
            _bytes.AsSpan(0, used).CopyTo(larger);
            _bytes = larger;
        }

        utf8.CopyTo(_bytes.AsSpan(used));
        _starts[++_count] = used + utf8.Length;
        _definition[row] = 1;
    }

    /// <summary>Writes the column's values, pointed at through <paramref name="scratch"/> (one array shared by a row group's columns).</summary>
    public void Write(ColumnWriter column, int rows, ByteArray[] scratch)
    {
        var start = Marshal.UnsafeAddrOfPinnedArrayElement(_bytes, 0);
        for (var i = 0; i < _count; i++)
        {
            scratch[i] = new ByteArray(start + _starts[i], _starts[i + 1] - _starts[i]);
        }

        ((ColumnWriter<ByteArray>)column).WriteBatch(rows, required ? default : _definition.AsSpan(0, rows), default, scratch.AsSpan(0, _count));
        Array.Clear(_definition, 0, rows);
        _count = 0;
    }
}

/// <summary>One optional integer or boolean column of a row group: the present values packed, and who has one.</summary>
internal sealed class ValueColumnBuffer<T>(int rows) where T : unmanaged
{
    private readonly short[] _definition = new short[rows];
    private readonly T[] _values = new T[rows];
    private int _count;

    public void Set(int row, T value)
    {
        _values[_count++] = value;
        _definition[row] = 1;
    }

    public void Write(ColumnWriter column, int rows)
    {
        ((ColumnWriter<T>)column).WriteBatch(rows, _definition.AsSpan(0, rows), default, _values.AsSpan(0, _count));
        Array.Clear(_definition, 0, rows);
        _count = 0;
    }
}
