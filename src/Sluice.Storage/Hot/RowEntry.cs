using Sluice.Core.Events;

namespace Sluice.Storage.Hot;

/// <summary>
/// Index entry of one hot row: where its bytes are, its sort key (timestamp, seq), and 32-bit hashes of the fields
/// searches filter on most, so most rows are rejected without decoding. A struct in an array: no object per event.
/// </summary>
public struct RowEntry
{
    public int Offset;
    public int Length;
    public long Timestamp;
    public long Seq;

    /// <summary>Index, in the same chunk, of the previous row of the same trace, or -1.</summary>
    public int PreviousInTrace;

    public int ServiceHash;
    public int SystemHash;
    public int DomainHash;
    public int UserHash;
    public EventKind Kind;
    public EventLevel Level;
}
