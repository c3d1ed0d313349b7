using Sluice.Analysis.Monitors;
using Sluice.Query.Language;

namespace Sluice.Tests.Analysis;

/// <summary>The two-proportion z-test flags a segment whose rate differs, and not one that merely wobbles.</summary>
public sealed class ExperimentHealthTests
{
    [Fact]
    public void The_z_test_matches_the_textbook_figures()
    {
        // 120/1000 against 100/1000: pooled 0.11, se = √(0.11·0.89·0.002) = 0.013993, z = 1.4293, p = 0.1529.
        var (z, p) = ExperimentHealth.Test(120, 1000, 100, 1000)!.Value;
        Assert.Equal(1.4293, z, 3);
        Assert.Equal(0.1529, p, 3);
        Assert.Null(ExperimentHealth.Test(0, 10, 0, 10));
    }

    [Fact]
    public void A_segment_with_a_higher_block_share_is_flagged_against_the_control()
    {
        var queries = new FakeQueries();
        var calls = 0;
        var spec = new ExperimentSpec { Query = "kind:traffic", Numerator = "decision:block", SegmentBy = "variant", Alpha = 0.01 };
        Assert.Null(ExperimentHealth.Check(spec, out var scope, out var numerator));
        queries.Groups = [("a", 10_000), ("b", 9_000), ("c", 9_500), (null, 3)];
        var segments = ExperimentHealth.Run(spec, scope!, numerator!, new Counting(queries, () => calls++ == 0 ? null : [("a", 500), ("b", 900), ("c", 480)]), 1_000_000, default);
        Assert.Equal(["a", "b", "c"], segments.Select(s => s.Value));
        Assert.Null(segments[0].Z); // the control: the largest segment
        Assert.True(segments[1].Significant);
        Assert.False(segments[2].Significant);
    }

    /// <summary>Answers the first CountBy (totals) from the fake and the second (hits) from a list.</summary>
    private sealed class Counting(FakeQueries inner, Func<List<(string?, long)>?> hits) : Sluice.Analysis.Alerts.IAlertQueries
    {
        public long Count(Filter filter, long startMs, long endMs, CancellationToken cancel) => 0;

        public IReadOnlyList<(string? Value, long Count)> CountBy(Filter filter, string field, long startMs, long endMs, CancellationToken cancel) =>
            hits() ?? inner.Groups;

        public double? Formula(string formula, Filter? scope, long startMs, long endMs, CancellationToken cancel) => null;

        public IReadOnlyList<Sluice.Analysis.Alerts.SampleEvent> Samples(Filter filter, long startMs, long endMs, int limit, CancellationToken cancel) => [];
    }
}
