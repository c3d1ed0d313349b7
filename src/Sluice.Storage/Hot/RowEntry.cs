using Sluice.Core.Events;

namespace Sluice.Storage.Hot;

/// <summary>
/// Index entry of one hot row: where its bytes are, its sort key (timestamp, seq), and 32-bit hashes of the fields
/// searches filter on most, so most rows are rejected without decoding. A struct in an array: no object per event.
/// Read-only outside storage (auto-property getters are readonly members, so <c>ref readonly</c> reads copy nothing).
/// </summary>
public struct RowEntry
{
    public int Offset { get; internal set; }
    public int Length { get; internal set; }
    public long Timestamp { get; internal set; }
    public long Seq { get; internal set; }

    /// <summary>Index, in the same chunk, of the previous row of the same trace, or -1.</summary>
    public int PreviousInTrace { get; internal set; }

    public int ServiceHash { get; internal set; }
    public int SystemHash { get; internal set; }
    public int DomainHash { get; internal set; }
    public int UserHash { get; internal set; }
    public EventKind Kind { get; internal set; }
    public EventLevel Level { get; internal set; }
}
