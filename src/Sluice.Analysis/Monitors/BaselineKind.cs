namespace Sluice.Analysis.Monitors;

/// <summary>How a monitor's expected count is derived from its own past counts.</summary>
internal enum BaselineKind
{
    /// <summary>The same window exactly one week earlier.</summary>
    SameHourLastWeek,

    /// <summary>Median of the same window on each of the previous N days; spread from the MAD.</summary>
    MedianMad,

    /// <summary>Exponentially weighted mean (and variance) of the same window over the previous N days, oldest first.</summary>
    Ewma,
}
