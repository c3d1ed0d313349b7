namespace Sluice.Analysis.Monitors;

/// <summary>
/// An experiment-health check (<c>POST /api/v1/monitors/experiment</c>): within the events of <see cref="Query"/>,
/// the share that also match <see cref="Numerator"/> (e.g. <c>decision:block</c>), per value of
/// <see cref="SegmentBy"/> (e.g. <c>variant</c>), each compared with <see cref="Control"/> (default: the largest
/// segment) by a two-proportion z-test.
/// </summary>
internal sealed record ExperimentSpec
{
    public string Query { get; init; } = "";

    public string Numerator { get; init; } = "";

    public string SegmentBy { get; init; } = "";

    public string? Control { get; init; }

    public int WindowMinutes { get; init; } = 60;

    /// <summary>A difference is flagged when its two-sided p-value is below this.</summary>
    public double Alpha { get; init; } = 0.01;
}
