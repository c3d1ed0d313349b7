using Sluice.Core.Events;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// What the catalog knows of one pattern, in seed 001's shape: <see cref="Type"/> is <c>mined</c>, <c>learnt</c> or
/// <c>regex</c>; <see cref="Severity"/> the highest level seen; <see cref="Frequency"/> every stored event so far
/// (sample weights included); first and last seen are event times.
/// </summary>
internal sealed record PatternSummary(
    string Id,
    string Template,
    string Type,
    string? Name,
    EventLevel Severity,
    long Frequency,
    long FirstSeenMs,
    long LastSeenMs,
    IReadOnlyList<string> Services,
    string? Example)
{
    /// <summary>When the server first stored an event of the pattern, by its own clock (0: none stored yet).</summary>
    public long FirstObservedMs { get; init; }

    /// <summary>Stored events by level name (only the levels seen).</summary>
    public IReadOnlyDictionary<string, long> Levels { get; init; } = new Dictionary<string, long>();
}

/// <summary>The pattern catalog as alert rules and endpoints read it.</summary>
internal interface IPatternCatalogView
{
    IReadOnlyList<PatternSummary> Snapshot();

    PatternSummary? Find(string id);
}
