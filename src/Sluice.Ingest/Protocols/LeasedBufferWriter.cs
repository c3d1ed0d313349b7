using System.Buffers;
using Sluice.Core.Memory;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// A growable byte buffer that is bounded while it is written, not afterwards: it grows only up to
/// <see cref="Cap"/> (past it <see cref="OutputTooLargeException"/>) and only with bytes its
/// <see cref="MemoryLease"/> grants first (else <see cref="MemoryBudgetExceededException"/>). Either way nothing
/// past the bound is ever allocated.
/// </summary>
internal sealed class LeasedBufferWriter(int initialCapacity, MemoryLease lease) : IBufferWriter<byte>
{
    private byte[] _buffer = [];
    private int _written;

    /// <summary>The most bytes this buffer may hold.</summary>
    public long Cap { get; set; } = Array.MaxLength;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public int WrittenCount => _written;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    public void Clear() => _written = 0;

    private void Ensure(int sizeHint)
    {
        var needed = (long)_written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > Cap)
        {
            throw new OutputTooLargeException();
        }

        var size = Math.Min(Math.Max(needed, Math.Max(2L * _buffer.Length, initialCapacity)), Math.Min(Cap, Array.MaxLength));
        if (!lease.TryDraw(size - _buffer.Length))
        {
            throw new MemoryBudgetExceededException(size - _buffer.Length);
        }

        var grown = new byte[size];
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }
}

/// <summary>Output that would pass its writer's <see cref="LeasedBufferWriter.Cap"/>.</summary>
internal sealed class OutputTooLargeException() : Exception("the output passed its cap");
