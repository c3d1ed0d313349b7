namespace Sluice.Analysis.Monitors;

/// <summary>
/// One evaluation of a monitor over the window ending at <see cref="EndMs"/>: the observed count, the baseline's
/// band (expected and the warning bounds), the deviation (percent or z), the status, and the gap in events (and in
/// value when the monitor has a value per event).
/// </summary>
internal sealed record MonitorReading(
    long StartMs,
    long EndMs,
    MonitorStatus Status,
    double? Observed,
    double? Expected,
    double? Lower,
    double? Upper,
    double? Deviation,
    double? GapEvents,
    double? GapValue,
    string Summary);
