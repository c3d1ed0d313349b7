namespace Sluice.Analysis.Monitors;

/// <summary>What the warning and critical figures of a monitor measure.</summary>
internal enum ThresholdMode
{
    /// <summary>Deviation from the expected count, in percent.</summary>
    Percent,

    /// <summary>Deviation in units of the baseline's spread (sigma).</summary>
    ZScore,
}
