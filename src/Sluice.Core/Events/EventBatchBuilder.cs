using System.Buffers;
using Sluice.Core.Buffers;
using Sluice.Core.Memory;

namespace Sluice.Core.Events;

/// <summary>
/// Encodes events as rows into one pooled buffer, so a request's whole batch becomes a single WAL record with no
/// per-event objects. A row is opened with <see cref="BeginRow"/>, filled field by field, then either committed
/// with <see cref="EndRow"/> or dropped with <see cref="AbandonRow"/> (a rejected event leaves no trace).
/// With a <see cref="MemoryLease"/>, every growth of the buffer is taken from the lease first, and one that does
/// not fit throws <see cref="MemoryBudgetExceededException"/> before anything is allocated.
/// </summary>
public sealed class EventBatchBuilder : IDisposable
{
    private readonly MemoryLease? _lease;
    private byte[] _buffer;
    private int _length;
    private int _rowStart = -1;
    private RowOrigin[] _origins = [];

    public EventBatchBuilder(int initialCapacity = 16 * 1024, MemoryLease? lease = null)
    {
        _lease = lease;
        initialCapacity = Math.Max(initialCapacity, 256);
        if (lease is not null && !lease.TryDraw(initialCapacity))
        {
            throw new MemoryBudgetExceededException(initialCapacity);
        }

        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Rows committed so far.</summary>
    public int Count { get; private set; }

    /// <summary>The committed rows, back to back.</summary>
    public ReadOnlyMemory<byte> Rows => _buffer.AsMemory(0, _rowStart >= 0 ? _rowStart : _length);

    public int RowBytes => _rowStart >= 0 ? _rowStart : _length;

    /// <summary>The open row as written so far: its header is not filled in yet, its fields are (a <see cref="RowReader"/> can walk them).</summary>
    public ReadOnlySpan<byte> OpenRow => _rowStart >= 0 ? _buffer.AsSpan(_rowStart, _length - _rowStart) : default;

    /// <summary>Bytes written so far into the open row (header included).</summary>
    public int OpenRowBytes => _rowStart >= 0 ? _length - _rowStart : 0;

    public void BeginRow()
    {
        if (_rowStart >= 0)
        {
            throw new InvalidOperationException("a row is already open");
        }

        Ensure(RowLayout.HeaderSize);
        _rowStart = _length;
        _length += RowLayout.HeaderSize;
    }

    public void WriteString(FieldTag tag, ReadOnlySpan<byte> utf8)
    {
        var span = Reserve(1 + Varint.MaxBytes + utf8.Length);
        span[0] = (byte)tag;
        var n = 1 + Varint.Write(span[1..], (ulong)utf8.Length);
        utf8.CopyTo(span[n..]);
        _length += n + utf8.Length;
    }

    public void WriteInteger(FieldTag tag, long value)
    {
        var span = Reserve(1 + Varint.MaxBytes);
        span[0] = (byte)tag;
        _length += 1 + Varint.WriteSigned(span[1..], value);
    }

    public void WriteBoolean(FieldTag tag, bool value)
    {
        var span = Reserve(2);
        span[0] = (byte)tag;
        span[1] = value ? (byte)1 : (byte)0;
        _length += 2;
    }

    public void WriteAttribute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var span = Reserve(1 + (2 * Varint.MaxBytes) + key.Length + value.Length);
        span[0] = (byte)FieldTag.Attribute;
        var n = 1 + Varint.Write(span[1..], (ulong)key.Length);
        key.CopyTo(span[n..]);
        n += key.Length;
        n += Varint.Write(span[n..], (ulong)value.Length);
        value.CopyTo(span[n..]);
        _length += n + value.Length;
    }

    /// <summary>Reserves space inside the open row for a value written in place (e.g. a generated id).</summary>
    public Span<byte> ReserveString(FieldTag tag, int length)
    {
        var span = Reserve(1 + Varint.MaxBytes + length);
        span[0] = (byte)tag;
        var n = 1 + Varint.Write(span[1..], (ulong)length);
        _length += n + length;
        return span.Slice(n, length);
    }

    public void EndRow(long timestamp, EventKind kind, EventLevel level, RowFlags flags = RowFlags.None)
    {
        var start = RequireOpenRow();
        RowLayout.WriteHeader(_buffer.AsSpan(start), _length - start, timestamp, kind, level);
        _rowStart = -1;
        SetOrigin(Count, new RowOrigin(-1, flags, 0));
        Count++;
    }

    /// <summary>Where committed row <paramref name="row"/> came from (<see cref="RowOrigin"/>).</summary>
    public RowOrigin OriginOf(int row) => (uint)row < (uint)Count ? _origins[row] : throw new ArgumentOutOfRangeException(nameof(row));

    /// <summary>Completes the origin of the last committed row with its place in the request and its content hash.</summary>
    public void AnnotateLast(int sourceIndex, ulong contentHash)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no row is committed");
        }

        _origins[Count - 1] = _origins[Count - 1] with { SourceIndex = sourceIndex, ContentHash = contentHash };
    }

    /// <summary>
    /// Copies a committed row from elsewhere, adding a <see cref="FieldTag.SampleWeight"/> field when
    /// <paramref name="weight"/> is above 1 (admission keeping one sampled event for several).
    /// </summary>
    public void AppendRow(ReadOnlySpan<byte> row, RowOrigin origin, long weight = 1)
    {
        if (_rowStart >= 0)
        {
            throw new InvalidOperationException("a row is open");
        }

        Ensure(row.Length + 1 + Varint.MaxBytes);
        var start = _length;
        row.CopyTo(_buffer.AsSpan(start));
        _length += row.Length;
        if (weight > 1)
        {
            _buffer[_length] = (byte)FieldTag.SampleWeight;
            _length += 1 + Varint.WriteSigned(_buffer.AsSpan(_length + 1), weight);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), (uint)(_length - start));
        }

        SetOrigin(Count, origin);
        Count++;
    }

    public void AbandonRow()
    {
        _length = RequireOpenRow();
        _rowStart = -1;
    }

    /// <summary>A point to come back to with <see cref="Rewind"/>; only valid while no row is open.</summary>
    public (int Length, int Count) Mark() => (RowBytes, Count);

    /// <summary>Drops every row committed after <paramref name="mark"/> (and any open row).</summary>
    public void Rewind((int Length, int Count) mark)
    {
        _length = mark.Length;
        Count = mark.Count;
        _rowStart = -1;
    }

    /// <summary>Forgets every row, keeping the buffer for reuse.</summary>
    public void Clear()
    {
        _length = 0;
        _rowStart = -1;
        Count = 0;
    }

    public void Dispose()
    {
        if (_origins.Length > 0)
        {
            ArrayPool<RowOrigin>.Shared.Return(_origins);
            _origins = [];
        }

        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void SetOrigin(int row, RowOrigin origin)
    {
        if (row >= _origins.Length)
        {
            var grown = ArrayPool<RowOrigin>.Shared.Rent(Math.Max(64, 2 * _origins.Length));
            _origins.AsSpan().CopyTo(grown);
            if (_origins.Length > 0)
            {
                ArrayPool<RowOrigin>.Shared.Return(_origins);
            }

            _origins = grown;
        }

        _origins[row] = origin;
    }

    private int RequireOpenRow() =>
        _rowStart >= 0 ? _rowStart : throw new InvalidOperationException("no row is open");

    private Span<byte> Reserve(int bytes)
    {
        RequireOpenRow();
        Ensure(bytes);
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int bytes)
    {
        if (_length + bytes <= _buffer.Length)
        {
            return;
        }

        var size = Math.Min(Math.Max(2L * _buffer.Length, (long)_length + bytes), Array.MaxLength);
        if (size < (long)_length + bytes)
        {
            throw new InvalidOperationException("an event batch cannot grow past the largest array");
        }

        if (_lease is not null && !_lease.TryDraw(size - _buffer.Length))
        {
            throw new MemoryBudgetExceededException(size - _buffer.Length);
        }

        var grown = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
