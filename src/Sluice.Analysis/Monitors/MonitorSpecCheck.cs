using Sluice.Core.Errors;
using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>Validates a monitor's definition; the first fault names its field (as in the JSON body).</summary>
internal static class MonitorSpecCheck
{
    public static FieldError? Check(MonitorSpec spec, int historyDays, out Filter? filter)
    {
        filter = null;
        if (spec.Name.Length is 0 or > 200)
        {
            return new FieldError(ErrorCodes.InvalidValue, "name", "'name' must be 1..200 characters");
        }

        if (QueryText.ParseFilter(spec.Query, "query", out filter) is { } bad)
        {
            return bad;
        }

        if (spec.WindowMinutes is < 1 or > 1440)
        {
            return new FieldError(ErrorCodes.InvalidValue, "window_minutes", "'window_minutes' must be 1..1440");
        }

        if (spec.Baseline.Days < 1 || spec.Baseline.Days > historyDays)
        {
            return new FieldError(ErrorCodes.InvalidValue, "baseline.days", $"'baseline.days' must be 1..{historyDays} (Alerts:MonitorHistoryDays)");
        }

        if (spec.Baseline.Kind == BaselineKind.SameHourLastWeek && historyDays < 8)
        {
            return new FieldError(ErrorCodes.InvalidValue, "baseline.kind", "'same_hour_last_week' needs Alerts:MonitorHistoryDays of 8 or more");
        }

        if (!(spec.Baseline.Alpha > 0 && spec.Baseline.Alpha <= 1))
        {
            return new FieldError(ErrorCodes.InvalidValue, "baseline.alpha", "'baseline.alpha' must be in (0, 1]");
        }

        if (!(spec.Threshold.Warning > 0 && double.IsFinite(spec.Threshold.Warning)))
        {
            return new FieldError(ErrorCodes.InvalidValue, "threshold.warning", "'threshold.warning' must be a positive number");
        }

        if (!(spec.Threshold.Critical >= spec.Threshold.Warning && double.IsFinite(spec.Threshold.Critical)))
        {
            return new FieldError(ErrorCodes.InvalidValue, "threshold.critical", "'threshold.critical' must be at least 'threshold.warning'");
        }

        if (spec.ValuePerEvent is { } value && !(value >= 0 && double.IsFinite(value)))
        {
            return new FieldError(ErrorCodes.InvalidValue, "value_per_event", "'value_per_event' must be a number of 0 or more");
        }

        return spec.Unit is { Length: > 16 } ? new FieldError(ErrorCodes.InvalidValue, "unit", "'unit' must be at most 16 characters") : null;
    }
}
