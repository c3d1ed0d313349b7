using Sluice.Query.Analytics;
using Sluice.Query.Language;

namespace Sluice.Tests.Analysis.Patterns;

public sealed class PatternsPipeTests
{
    [Theory]
    [InlineData("level:error | patterns", false, 2)]
    [InlineData("_time:1h | patterns diff", true, 2)]
    [InlineData("_time:1h | patterns diff 3.5 | limit 5", true, 3.5)]
    public void The_pipe_parses_and_prints_back(string text, bool diff, double factor)
    {
        var parsed = QueryParser.Parse(text);
        var pipe = Assert.IsType<PatternsPipe>(parsed.Pipes[0]);
        Assert.Equal(diff, pipe.Diff);
        Assert.Equal(factor, pipe.ShiftFactor);
        Assert.Equal(QueryPrinter.Print(parsed), QueryPrinter.Print(QueryParser.Parse(QueryPrinter.Print(parsed))));
    }

    [Theory]
    [InlineData("| stats count() | patterns", "must be the first pipe")]
    [InlineData("| patterns | stats count()", "only 'limit' may follow")]
    [InlineData("| patterns diff 1", "above 1")]
    [InlineData("| patterns diff 0.5", "above 1")]
    public void Misplaced_or_bad_pipes_are_refused(string text, string reason)
    {
        var e = Assert.Throws<QueryException>(() => QueryParser.Parse(text));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_diff_names_new_gone_up_down_and_steady_patterns_in_that_order()
    {
        List<object?[]> now = [["steady", 10L], ["up", 30L], ["new", 4L], ["down", 2L]];
        List<object?[]> before = [["steady", 12L], ["up", 10L], ["gone", 7L], ["down", 9L]];
        var rows = PatternAnswers.Compare(now, before, 2, null);
        Assert.Equal(["new", "gone", "up", "down", "steady"], rows.Select(r => (string)r[0]!));
        Assert.Equal(["new", "gone", "up", "down", "steady"], rows.Select(r => (string)r[2]!));
        var up = rows.Single(r => (string)r[0]! == "up");
        Assert.Equal(30L, up[3]);
        Assert.Equal(10L, up[4]);
        Assert.Equal(3.0, up[5]);
        Assert.Null(rows.Single(r => (string)r[0]! == "new")[5]);
    }

    [Fact]
    public void Rows_of_a_pattern_merged_into_another_are_counted_with_the_survivor()
    {
        List<object?[]> rows = [["late", 5L, 300L, 900L], ["early", 4L, 100L, 700L], ["other", 6L, 200L, 800L]];
        var merged = PatternAnswers.Merge(rows, new MergedInto("late", "early"));
        Assert.Equal(["early", "other"], merged.Select(r => (string)r[0]!));
        Assert.Equal([9L, 100L, 900L], merged[0][1..]);
    }

    [Fact]
    public void A_larger_factor_calls_a_tripling_steady()
    {
        var rows = PatternAnswers.Compare([["p", 30L]], [["p", 10L]], 4, null);
        Assert.Equal("steady", rows[0][2]);
    }

    private sealed class MergedInto(string from, string to) : IPatternTemplates
    {
        public string? TemplateOf(string patternId) => null;

        public string CurrentOf(string patternId) => patternId == from ? to : patternId;
    }
}
