using System.Runtime.InteropServices;
using ParquetSharp;

namespace Sluice.Storage.Partitions;

/// <summary>
/// One string column of a row group, as UTF-8 copied from the rows into one pinned buffer: the writer reads each
/// value where it lies (<see cref="ByteArray"/> is a pointer and a length), so no .NET string is made per value.
/// </summary>
internal sealed class Utf8ColumnBuffer(int rows, bool required)
{
    private readonly short[] _definition = new short[rows];
    private readonly int[] _offsets = new int[rows];
    private readonly int[] _lengths = new int[rows];
    private readonly ByteArray[] _values = new ByteArray[rows];
    private byte[] _bytes = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
    private int _used, _count;

    /// <summary>Sets row <paramref name="row"/>'s value; rows not set stay null (the column must be optional).</summary>
    public void Set(int row, ReadOnlySpan<byte> utf8)
    {
        if (_used + utf8.Length > _bytes.Length)
        {
            // Values are addressed by offset until written, so the buffer may move: pinned arrays are never compacted.
            var larger = GC.AllocateUninitializedArray<byte>(Math.Max(_bytes.Length * 2, _used + utf8.Length), pinned: true);
            _bytes.AsSpan(0, _used).CopyTo(larger);
            _bytes = larger;
        }

        utf8.CopyTo(_bytes.AsSpan(_used));
        _offsets[_count] = _used;
        _lengths[_count++] = utf8.Length;
        _used += utf8.Length;
        _definition[row] = 1;
    }

    public void Write(ColumnWriter column, int rows)
    {
        var start = Marshal.UnsafeAddrOfPinnedArrayElement(_bytes, 0);
        for (var i = 0; i < _count; i++)
        {
            _values[i] = new ByteArray(start + _offsets[i], _lengths[i]);
        }

        ((ColumnWriter<ByteArray>)column).WriteBatch(rows, required ? default : _definition.AsSpan(0, rows), default, _values.AsSpan(0, _count));
        Array.Clear(_definition, 0, rows);
        (_used, _count) = (0, 0);
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
