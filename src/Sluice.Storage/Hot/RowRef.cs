namespace Sluice.Storage.Hot;

/// <summary>A hot row: its chunk and its index there. Valid for as long as the caller holds it (chunks are never reused).</summary>
public readonly record struct RowRef(HotChunk Chunk, int Index)
{
    public ReadOnlySpan<byte> Bytes => Chunk.RowBytes(Index);

    public ref readonly RowEntry Entry => ref Chunk.Rows[Index];
}
