namespace Sluice.Analysis.Patterns;

/// <summary>Settings of a <see cref="TemplateMiner"/>; one set of values is meant to serve every kind of log.</summary>
internal sealed record MinerOptions
{
    /// <summary>Most live patterns kept; past it the rarest, then oldest, mined pattern is evicted.</summary>
    public int MaxPatterns { get; init; } = 10_000;

    /// <summary>Least share of a template's positions that must agree with a message for it to join.</summary>
    public double SimilarityThreshold { get; init; } = 0.5;

    /// <summary>
    /// Distinct words seen at a position before it becomes a variable: words differ between events ("VM Started",
    /// "VM Stopped") far more often than they are values, so one differing word is not enough.
    /// </summary>
    public int DistinctWordsForVariable { get; init; } = 4;

    /// <summary>How many leading tokens route a message down the prefix tree below its length.</summary>
    public int PrefixDepth { get; init; } = 2;

    /// <summary>Most children per tree node; later distinct tokens share the wildcard branch.</summary>
    public int MaxChildren { get; init; } = 100;

    /// <summary>Time a learnt regex may spend on one message before it counts as not matching.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Patterns of another length (sharing the first two tokens) a message is aligned with at most, oldest first:
    /// bounds the work of one new message whatever was sent before it.
    /// </summary>
    public int MaxCrossLengthCandidates { get; init; } = 64;

    /// <summary>Entries of the masked-sequence cache before it is cleared.</summary>
    public int CacheEntries { get; init; } = 65_536;
}
