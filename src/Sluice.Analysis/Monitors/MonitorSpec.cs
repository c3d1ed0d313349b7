namespace Sluice.Analysis.Monitors;

/// <summary>
/// What a user defines for a monitor (the body of <c>POST /api/v1/monitors</c>, snake_case in JSON): a filter-only
/// query naming the events, the trailing window it counts, its baseline and thresholds, and an optional value per
/// event for the business impact.
/// </summary>
internal sealed record MonitorSpec
{
    public string Name { get; init; } = "";

    /// <summary>A filter in the query language without pipes or time terms, e.g. <c>kind:traffic decision:block domain:shop.example</c>.</summary>
    public string Query { get; init; } = "";

    /// <summary>The trailing window compared with its baseline, in minutes (1..1440).</summary>
    public int WindowMinutes { get; init; } = 60;

    public BaselineSpec Baseline { get; init; } = new();

    public ThresholdSpec Threshold { get; init; } = new();

    /// <summary>What one event is worth (e.g. 0.25 for a 25-cent click); null: no business impact.</summary>
    public double? ValuePerEvent { get; init; }

    /// <summary>The unit or currency of <see cref="ValuePerEvent"/>, e.g. <c>€</c>.</summary>
    public string? Unit { get; init; }
}

/// <summary>The baseline of a monitor.</summary>
internal sealed record BaselineSpec
{
    public BaselineKind Kind { get; init; } = BaselineKind.SameHourLastWeek;

    /// <summary>How many previous days <see cref="BaselineKind.MedianMad"/> and <see cref="BaselineKind.Ewma"/> read (1..Alerts:MonitorHistoryDays).</summary>
    public int Days { get; init; } = 14;

    /// <summary>The weight of the newest day in <see cref="BaselineKind.Ewma"/>, in (0, 1].</summary>
    public double Alpha { get; init; } = 0.3;
}

/// <summary>When a deviation is a warning and when it is critical.</summary>
internal sealed record ThresholdSpec
{
    public ThresholdMode Mode { get; init; } = ThresholdMode.Percent;

    public double Warning { get; init; } = 20;

    public double Critical { get; init; } = 30;

    public Direction Direction { get; init; } = Direction.Both;
}
