namespace Sluice.Storage.Hot;

/// <summary>A hot row: its chunk and its index there. Valid while the read it came from is open (<see cref="HotTier.EnterRead"/>): an evicted chunk's arrays are reused once no read is open.</summary>
public readonly record struct RowRef(HotChunk Chunk, int Index)
{
    public ReadOnlySpan<byte> Bytes => Chunk.RowBytes(Index);

    public ref readonly RowEntry Entry => ref Chunk.Rows[Index];
}
