namespace Sluice.Storage.Hot;

/// <summary>
/// Where the hot tier hands a full chunk: the partition writer (storage issue) turns it into a sealed hourly part
/// and sets <see cref="HotChunk.IsPersisted"/> once that part is durable, which is what lets the chunk leave
/// memory and its WAL segments be trimmed. Called on the WAL writer thread: queue the work, do not do it there.
/// </summary>
internal interface ISealedChunkSink
{
    void Accept(HotChunk chunk);
}

/// <summary>Until partitions exist, nothing persists chunks: they stay evictable, and the WAL keeps every event.</summary>
internal sealed class WalOnlyChunkSink : ISealedChunkSink
{
    public static readonly WalOnlyChunkSink Instance = new();

    public void Accept(HotChunk chunk) => chunk.IsPersisted = true;
}
