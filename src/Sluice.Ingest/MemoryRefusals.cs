using Sluice.Core.Errors;

namespace Sluice.Ingest;

/// <summary>The two ways ingest refuses for memory (503 <c>memory_full</c>), by the budget that had no room.</summary>
public static class MemoryRefusals
{
    /// <summary>Requests being read and translated hold <c>Memory:MaxRequestMb</c>.</summary>
    public static readonly FieldError Requests = new(ErrorCodes.MemoryFull, null,
        "the memory for ingest requests being read (Memory:MaxRequestMb) is full; nothing of this request was stored, retry shortly");

    /// <summary>Accepted events waiting for the log hold <c>Memory:MaxUnflushedMb</c>.</summary>
    public static readonly FieldError Unflushed = new(ErrorCodes.MemoryFull, null,
        "accepted events waiting to be written hold Memory:MaxUnflushedMb; nothing of this request was stored, retry shortly");
}
