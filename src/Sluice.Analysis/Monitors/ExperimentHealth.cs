using Sluice.Analysis.Alerts;
using Sluice.Core.Errors;
using Sluice.Query.Language;

namespace Sluice.Analysis.Monitors;

/// <summary>The two-proportion z-test between the segments of an attribute (pooled standard error, two-sided p).</summary>
internal static class ExperimentHealth
{
    /// <summary>z and two-sided p for hits1/n1 against hits2/n2; null when a side is empty or the pooled rate is 0 or 1.</summary>
    public static (double Z, double P)? Test(long hits1, long n1, long hits2, long n2)
    {
        if (n1 <= 0 || n2 <= 0)
        {
            return null;
        }

        var pooled = (double)(hits1 + hits2) / (n1 + n2);
        var se = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / n1) + (1.0 / n2)));
        if (se == 0)
        {
            return null;
        }

        var z = (((double)hits1 / n1) - ((double)hits2 / n2)) / se;
        return (z, Erfc(Math.Abs(z) / Math.Sqrt(2)));
    }

    public static FieldError? Check(ExperimentSpec spec, out Filter? scope, out Filter? numerator)
    {
        numerator = null;
        if (QueryText.ParseFilter(spec.Query, "query", out scope) is { } q)
        {
            return q;
        }

        if (QueryText.ParseFilter(spec.Numerator, "numerator", out numerator) is { } n)
        {
            return n;
        }

        if (!QueryParser.IsName(spec.SegmentBy))
        {
            return new FieldError(ErrorCodes.InvalidValue, "segment_by", "'segment_by' must be a field name, e.g. variant");
        }

        if (spec.WindowMinutes is < 1 or > 44_640)
        {
            return new FieldError(ErrorCodes.InvalidValue, "window_minutes", "'window_minutes' must be 1..44640");
        }

        return spec.Alpha is > 0 and < 1 ? null : new FieldError(ErrorCodes.InvalidValue, "alpha", "'alpha' must be in (0, 1)");
    }

    /// <summary>Counts the scope and the numerator per segment over the window and tests each segment against the control.</summary>
    public static IReadOnlyList<ExperimentSegment> Run(ExperimentSpec spec, Filter scope, Filter numerator, IAlertQueries queries, long nowMs, CancellationToken cancel)
    {
        var start = nowMs - (spec.WindowMinutes * 60_000L);
        var totals = queries.CountBy(scope, spec.SegmentBy, start, nowMs + 1, cancel).Where(s => s.Value is not null).ToList();
        var hits = queries.CountBy(new AndFilter(scope, numerator), spec.SegmentBy, start, nowMs + 1, cancel)
            .Where(s => s.Value is not null).ToDictionary(s => s.Value!, s => s.Count, StringComparer.Ordinal);
        if (totals.Count == 0)
        {
            return [];
        }

        var control = totals.FirstOrDefault(t => t.Value == spec.Control);
        if (control.Value is null)
        {
            control = totals.MaxBy(t => t.Count);
        }

        var controlHits = hits.GetValueOrDefault(control.Value!);
        return [.. totals.OrderBy(t => t.Value != control.Value).ThenBy(t => t.Value, StringComparer.Ordinal).Select(t =>
        {
            var h = hits.GetValueOrDefault(t.Value!);
            var rate = t.Count == 0 ? 0 : (double)h / t.Count;
            if (t.Value == control.Value)
            {
                return new ExperimentSegment(t.Value, t.Count, h, rate, null, null, false);
            }

            var test = Test(h, t.Count, controlHits, control.Count);
            return new ExperimentSegment(t.Value, t.Count, h, rate, test?.Z, test?.P, test is { } r && r.P < spec.Alpha);
        })];
    }

    /// <summary>erfc by the Numerical Recipes Chebyshev fit (relative error below 1.2e-7, ample for a p-value).</summary>
    internal static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var k = c.Length - 1; k >= 0; k--)
        {
            poly = (poly * t) + c[k];
        }

        var r = t * Math.Exp(-(z * z) + poly);
        return x >= 0 ? r : 2 - r;
    }
}
