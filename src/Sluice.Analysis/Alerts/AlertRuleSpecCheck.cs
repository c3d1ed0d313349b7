using Sluice.Core.Errors;
using Sluice.Query.Formulas;
using Sluice.Query.Language;

namespace Sluice.Analysis.Alerts;

/// <summary>Validates an alert rule; the first fault names its field as in the JSON body.</summary>
internal static class AlertRuleSpecCheck
{
    public static FieldError? Check(AlertRuleSpec spec, out Filter? filter)
    {
        filter = null;
        if (spec.Name.Length is 0 or > 200)
        {
            return Bad("name", "'name' must be 1..200 characters");
        }

        if (spec.WindowMinutes is < 1 or > 1440)
        {
            return Bad("window_minutes", "'window_minutes' must be 1..1440");
        }

        if (spec.CooldownMinutes is < 0 or > 10_080)
        {
            return Bad("cooldown_minutes", "'cooldown_minutes' must be 0..10080");
        }

        if (spec.Samples is < 0 or > 20)
        {
            return Bad("samples", "'samples' must be 0..20");
        }

        switch (spec.Kind)
        {
            case AlertKind.Threshold:
                if (QueryText.ParseFilter(spec.Query ?? "", "query", out filter) is { } q)
                {
                    return q;
                }

                if (spec.Above is null && spec.Below is null)
                {
                    return Bad("above", "a threshold rule needs 'above' or 'below'");
                }

                if (spec.Above is { } above && !double.IsFinite(above))
                {
                    return Bad("above", "'above' must be a finite number");
                }

                if (spec.Below is { } below && !double.IsFinite(below))
                {
                    return Bad("below", "'below' must be a finite number");
                }

                if (spec.Formula is { } formula)
                {
                    try
                    {
                        FormulaParser.Parse(formula);
                    }
                    catch (QueryException e)
                    {
                        return new FieldError(ErrorCodes.InvalidFormula, "formula", $"'formula' {e.Message}") { Position = e.Position };
                    }

                    if (spec.GroupBy is not null)
                    {
                        return Bad("group_by", "'group_by' works with a count, not with a formula");
                    }
                }

                if (spec.GroupBy is { } group && !QueryParser.IsName(group))
                {
                    return Bad("group_by", "'group_by' must be a field name");
                }

                break;
            case AlertKind.Absence:
                if (QueryText.ParseFilter(spec.Query ?? "", "query", out filter) is { } a)
                {
                    return a;
                }

                break;
            case AlertKind.Monitor:
                if (string.IsNullOrEmpty(spec.MonitorId))
                {
                    return new FieldError(ErrorCodes.MissingField, "monitor_id", "a monitor rule needs 'monitor_id'");
                }

                if (spec.MinStatus is not (Monitors.MonitorStatus.Warning or Monitors.MonitorStatus.Critical))
                {
                    return Bad("min_status", "'min_status' must be warning or critical");
                }

                break;
            case AlertKind.PatternRate:
                if (spec.PatternId is not { Length: > 0 } id || !id.All(char.IsAsciiLetterOrDigit))
                {
                    return new FieldError(ErrorCodes.MissingField, "pattern_id", "a pattern_rate rule needs 'pattern_id' (letters and digits)");
                }

                if (!(spec.Factor > 1 && double.IsFinite(spec.Factor)))
                {
                    return Bad("factor", "'factor' must be a number above 1");
                }

                if (spec.BaselineWindows is < 1 or > 168)
                {
                    return Bad("baseline_windows", "'baseline_windows' must be 1..168");
                }

                filter = QueryParser.Parse($"pattern_id:{id}").Filter;
                break;
            case AlertKind.NewPattern:
                break;
            case AlertKind.Volume:
                if (spec.VolumeKinds?.FirstOrDefault(k => k is not ("volume_spike" or "quota_rejecting" or "quota_sampling")) is { } unknown)
                {
                    return Bad("volume_kinds", $"'{unknown}' in 'volume_kinds' is not volume_spike, quota_rejecting or quota_sampling");
                }

                break;
            default:
                return Bad("kind", "'kind' must be threshold, monitor, new_pattern, pattern_rate, absence or volume");
        }

        if (spec.Channels.Count > 10)
        {
            return Bad("channels", "at most 10 channels per rule");
        }

        for (var i = 0; i < spec.Channels.Count; i++)
        {
            var channel = spec.Channels[i];
            if (channel is null || !Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return Bad($"channels[{i}].url", $"'channels[{i}].url' must be an http(s) URL");
            }
        }

        if (spec.Labels is { } labels && labels.Keys.Any(k => k.Length == 0 || !k.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            return Bad("labels", "label names must be letters, digits and _");
        }

        return null;
    }

    private static FieldError Bad(string field, string message) => new(ErrorCodes.InvalidValue, field, message);
}
