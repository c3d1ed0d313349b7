namespace Sluice.Core.Events;

/// <summary>
/// Tag of a field inside an encoded row (docs/wal.md). The values are part of the on-disk format:
/// add new tags, never renumber or reuse one (PersistedFormatTests pins them).
/// </summary>
public enum FieldTag : byte
{
    Id = 1,
    Message = 2,
    Template = 3,
    Service = 4,
    System = 5,
    Host = 6,
    Domain = 7,
    Category = 8,
    TraceId = 9,
    SpanId = 10,
    RequestId = 11,
    SessionId = 12,
    UserId = 13,
    Priority = 14,
    StackTrace = 15,
    Url = 16,
    Method = 17,
    Status = 18,
    Path = 19,
    IpHash = 20,
    Country = 21,
    Decision = 22,
    Reason = 23,
    Risk = 24,
    AdClick = 25,
    PatternId = 26,

    /// <summary>How many received events a sampled event stands for (absent: 1). Written by admission only.</summary>
    SampleWeight = 27,

    /// <summary>A key/value pair of the event's <c>attributes</c> map.</summary>
    Attribute = 64,
}
