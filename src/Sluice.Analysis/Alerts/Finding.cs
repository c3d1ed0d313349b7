using Sluice.Query.Language;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// What one evaluation of a rule found for one group key: whether it fires, the figure that decided it, words for
/// people, and the filter whose events are the evidence (null: none to show, e.g. an absence).
/// </summary>
internal sealed record Finding(string GroupKey, bool Firing, double Value, string Summary, Filter? Evidence, string? EvidenceQuery, IReadOnlyDictionary<string, double> Figures)
{
    /// <summary>Where in event time the samples are read; null: the rule's window.</summary>
    public (long Start, long End)? SampleRange { get; init; }
}
