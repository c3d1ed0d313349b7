using System.Globalization;
using Sluice.Analysis.Monitors;
using Sluice.Analysis.Patterns;
using Sluice.Query.Language;

namespace Sluice.Analysis.Alerts;

/// <summary>Evaluates one rule of each kind into findings, one per group key; reads counts through <see cref="IAlertQueries"/>.</summary>
internal sealed class RuleChecks(IAlertQueries queries, MonitorBook? monitors, IPatternCatalogView? patterns, IVolumeAlertFeed? volume)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public IReadOnlyList<Finding> Run(AlertRule rule, long nowMs, CancellationToken cancel)
    {
        var spec = rule.Spec;
        var window = spec.WindowMinutes * 60_000L;

        // The window ends just after now: an event stamped this very millisecond counts.
        var end = nowMs + 1;
        var start = end - window;
        return spec.Kind switch
        {
            AlertKind.Threshold => Threshold(rule, start, end, cancel),
            AlertKind.Absence => Absence(rule, start, end, cancel),
            AlertKind.Monitor => Monitor(spec),
            AlertKind.NewPattern => NewPatterns(rule, nowMs),
            AlertKind.PatternRate => PatternRate(rule, start, end, window, cancel),
            AlertKind.Volume => Volume(rule, start, end),
            _ => [],
        };
    }

    private List<Finding> Threshold(AlertRule rule, long start, long end, CancellationToken cancel)
    {
        var spec = rule.Spec;
        if (spec.Formula is { } formula)
        {
            var value = queries.Formula(formula, rule.Filter, start, end, cancel);
            return [Compare(spec, "", value ?? double.NaN, rule.Filter, spec.Query, $"{formula} over the last {spec.WindowMinutes} min")];
        }

        if (spec.GroupBy is { } field)
        {
            return [.. queries.CountBy(rule.Filter!, field, start, end, cancel).Select(g =>
            {
                var key = g.Value ?? "";
                var scoped = g.Value is null ? rule.Filter : new AndFilter(rule.Filter!, new FieldFilter(QueryField.Resolve(field), MatchOp.Equal, g.Value));
                var text = g.Value is null ? spec.Query : Narrow(rule, QueryPrinter.Print(new FieldFilter(QueryField.Resolve(field), MatchOp.Equal, g.Value)));
                return Compare(spec, key, g.Count, scoped, text, $"{g.Count.ToString("N0", C)} events with {field}={key} in the last {spec.WindowMinutes} min");
            })];
        }

        var count = queries.Count(rule.Filter!, start, end, cancel);
        return [Compare(spec, "", count, rule.Filter, spec.Query, $"{count.ToString("N0", C)} events in the last {spec.WindowMinutes} min")];
    }

    private static Finding Compare(AlertRuleSpec spec, string key, double value, Filter? evidence, string? query, string what)
    {
        // A formula without events is undefined (NaN): it neither fires nor shows as a figure.
        var defined = double.IsFinite(value);
        var firing = defined && ((spec.Above is { } above && value > above) || (spec.Below is { } below && value < below));
        var figures = new Dictionary<string, double> { ["window_minutes"] = spec.WindowMinutes };
        if (defined)
        {
            figures["value"] = value;
        }

        if (spec.Above is { } a)
        {
            figures["above"] = a;
        }

        if (spec.Below is { } b)
        {
            figures["below"] = b;
        }

        var bound = spec.Above is { } x && value > x ? $" (above {x.ToString(C)})" : spec.Below is { } y && value < y ? $" (below {y.ToString(C)})" : "";
        return new Finding(key, firing, defined ? value : 0, defined ? what + bound : what + " (undefined: no events)", evidence, query, figures);
    }

    private List<Finding> Absence(AlertRule rule, long start, long end, CancellationToken cancel)
    {
        var count = queries.Count(rule.Filter!, start, end, cancel);
        var figures = new Dictionary<string, double> { ["value"] = count, ["window_minutes"] = rule.Spec.WindowMinutes };
        var summary = count == 0
            ? $"nothing matched in the last {rule.Spec.WindowMinutes} min"
            : $"{count.ToString("N0", C)} events in the last {rule.Spec.WindowMinutes} min";
        return [new Finding("", count == 0, count, summary, null, rule.Spec.Query, figures)];
    }

    private List<Finding> Monitor(AlertRuleSpec spec)
    {
        if (monitors?.Find(spec.MonitorId!) is not { } monitor)
        {
            return [];
        }

        var reading = monitor.Last;
        var figures = new Dictionary<string, double> { ["status"] = (int)monitor.Status };
        AddIf(figures, "observed", reading?.Observed);
        AddIf(figures, "expected", reading?.Expected);
        AddIf(figures, "lower", reading?.Lower);
        AddIf(figures, "upper", reading?.Upper);
        AddIf(figures, "deviation", reading?.Deviation);
        AddIf(figures, "gap_events", reading?.GapEvents);
        AddIf(figures, "gap_value", reading?.GapValue);
        var status = monitor.Status.ToString().ToLowerInvariant();
        var summary = $"monitor {monitor.Spec.Name} is {status}: {reading?.Summary ?? "no reading yet"}";
        var firing = monitor.Status >= spec.MinStatus;
        return [new Finding(monitor.Id, firing, (int)monitor.Status, summary, monitor.Filter, monitor.Spec.Query, figures)];
    }

    private List<Finding> NewPatterns(AlertRule rule, long nowMs)
    {
        if (patterns is null)
        {
            return [];
        }

        // New: first stored (by the server's clock, whatever time the events carry) after the rule's last evaluation
        // and its creation — also while the server was down. It fires once, stays firing for one window, then resolves.
        var window = rule.Spec.WindowMinutes * 60_000L;
        var found = new List<Finding>();
        foreach (var p in patterns.Snapshot())
        {
            if (p.FirstObservedMs <= rule.CreatedMs || p.FirstObservedMs > nowMs || (rule.Spec.MinLevel is { } level && p.Severity < level))
            {
                continue;
            }

            var isNew = p.FirstObservedMs > rule.LastEvaluatedMs;
            var open = rule.Instances.TryGetValue(p.Id, out var instance) && instance.Firing;
            if (!isNew && !open)
            {
                continue;
            }

            var figures = new Dictionary<string, double> { ["frequency"] = p.Frequency, ["first_seen_ms"] = p.FirstSeenMs };
            var summary = $"new pattern {p.Id} ({p.Severity.ToString().ToLowerInvariant()}, {p.Frequency.ToString("N0", C)} events): {p.Template}";
            var firing = isNew || nowMs - instance!.StartedMs < window;
            // Its events may carry any time (a client that batched them): the samples are read where they are.
            found.Add(new Finding(p.Id, firing, p.Frequency, summary, PatternFilter(p.Id), $"pattern_id:{p.Id}", figures)
            {
                SampleRange = (Math.Min(p.FirstSeenMs, nowMs - window), Math.Max(p.LastSeenMs, nowMs) + 1),
            });
        }

        return found;
    }

    private List<Finding> PatternRate(AlertRule rule, long start, long end, long window, CancellationToken cancel)
    {
        var spec = rule.Spec;
        var current = queries.Count(rule.Filter!, start, end, cancel);
        var before = queries.Count(rule.Filter!, start - (window * spec.BaselineWindows), start, cancel);
        var baseline = (double)before / spec.BaselineWindows;
        var ratio = current / Math.Max(baseline, 1);
        var figures = new Dictionary<string, double>
        {
            ["value"] = current, ["baseline"] = baseline, ["ratio"] = ratio, ["factor"] = spec.Factor, ["window_minutes"] = spec.WindowMinutes,
        };
        var summary = $"pattern {spec.PatternId}: {current.ToString("N0", C)} events in the last {spec.WindowMinutes} min, ×{ratio.ToString("0.#", C)} its baseline of {baseline.ToString("0.#", C)}";
        return [new Finding(spec.PatternId!, ratio >= spec.Factor, ratio, summary, rule.Filter, $"pattern_id:{spec.PatternId}", figures)];
    }

    /// <summary>
    /// One alert per kind and scope of volume alert: firing while one was raised within the window, resolved a window
    /// after the last. The evidence is the scope's events (<c>domain:…</c>, <c>system:…</c>; everything for global).
    /// </summary>
    private List<Finding> Volume(AlertRule rule, long start, long end)
    {
        if (volume is null)
        {
            return [];
        }

        var kinds = rule.Spec.VolumeKinds is { Count: > 0 } named ? named : null;
        var latest = new Dictionary<string, VolumeSignal>(StringComparer.Ordinal);
        foreach (var signal in volume.Recent)
        {
            if (signal.AtMs >= start && signal.AtMs < end && (kinds is null || kinds.Contains(signal.Kind)))
            {
                latest[$"{signal.Kind} {signal.Scope}"] = signal;
            }
        }

        var found = new List<Finding>();
        foreach (var (key, signal) in latest)
        {
            var figures = new Dictionary<string, double> { ["events"] = signal.Events, ["baseline"] = signal.Baseline, ["raised_at_ms"] = signal.AtMs };
            var (field, value) = signal.Scope.IndexOf('=') is var eq and > 0 ? (signal.Scope[..eq], signal.Scope[(eq + 1)..]) : ("", "");
            var evidence = field is "domain" or "system" ? new FieldFilter(QueryField.Resolve(field), MatchOp.Equal, value) : null;
            found.Add(new Finding(key, true, signal.Events, $"{signal.Kind} for {signal.Scope}: {signal.Message}", evidence,
                evidence is null ? null : QueryPrinter.Print(evidence), figures));
        }

        // Alerts raised before the window that still fire are reported quiet, so they resolve.
        foreach (var (key, instance) in rule.Instances)
        {
            if (instance.Firing && !latest.ContainsKey(key))
            {
                found.Add(new Finding(key, false, 0, $"no {key} in the last {rule.Spec.WindowMinutes} min", null, null, new Dictionary<string, double>()));
            }
        }

        return found;
    }

    /// <summary>The rule's query and one more term, as text a person can paste (an OR at the top keeps its parentheses).</summary>
    private static string Narrow(AlertRule rule, string term) =>
        rule.Filter is OrFilter ? $"({rule.Spec.Query}) {term}" : $"{rule.Spec.Query} {term}";

    private static Filter PatternFilter(string id) => new FieldFilter(QueryField.Resolve("pattern_id"), MatchOp.Equal, id);

    private static void AddIf(Dictionary<string, double> figures, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            figures[name] = v;
        }
    }
}
