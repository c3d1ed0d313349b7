namespace Sluice.Analysis.Monitors;

/// <summary>Which deviations count: fewer events than expected, more, or either.</summary>
internal enum Direction
{
    Both,
    Drop,
    Spike,
}
