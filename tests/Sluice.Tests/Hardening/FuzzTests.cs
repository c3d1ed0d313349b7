using Sluice.Fuzz;

namespace Sluice.Tests.Hardening;

/// <summary>
/// A short seeded run of every fuzz target (the long runs, a million inputs each, are <c>fuzz/run.sh</c>), after
/// replaying what earlier runs found (<c>fuzz/corpus</c>): no crash, no broken invariant, and no input allocating
/// more than its target's linear bound.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus");

    public static TheoryData<string> Targets => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_target_survives_its_corpus_and_a_seeded_run(string name)
    {
        var target = FuzzTargets.All.Single(t => t.Name == name);
        var corpus = FuzzRun.Corpus(Corpus, name);
        var report = FuzzRun.Run(target, inputs: 3000, seed: 2026, corpus);
        Assert.True(report.Failures.Count == 0,
            $"{name}: {string.Join("; ", report.Failures.Take(3).Select(f => $"{f.Failure} on {f.Input.Length} bytes"))}");
        Assert.Equal(3000 + corpus.Count, report.Inputs);
    }

    [Fact]
    public void The_regression_corpus_is_there()
    {
        // Every input earlier runs found is kept; a test that found no files would pass for nothing.
        Assert.True(Directory.GetFiles(Corpus, "*", SearchOption.AllDirectories).Length >= 20);
    }
}
