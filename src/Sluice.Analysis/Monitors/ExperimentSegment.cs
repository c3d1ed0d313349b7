namespace Sluice.Analysis.Monitors;

/// <summary>One segment's rate and its comparison with the control (null for the control itself).</summary>
internal sealed record ExperimentSegment(string? Value, long Events, long Hits, double Rate, double? Z, double? PValue, bool Significant);
