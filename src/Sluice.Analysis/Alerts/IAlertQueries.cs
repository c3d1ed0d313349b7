using Sluice.Query.Language;

namespace Sluice.Analysis.Alerts;

/// <summary>The stored events as alert rules read them: counts, a formula, samples. Tests put a fake here.</summary>
internal interface IAlertQueries
{
    long Count(Filter filter, long startMs, long endMs, CancellationToken cancel);

    /// <summary>Counts per value of <paramref name="field"/>; events without it group under null.</summary>
    IReadOnlyList<(string? Value, long Count)> CountBy(Filter filter, string field, long startMs, long endMs, CancellationToken cancel);

    double? Formula(string formula, Filter? scope, long startMs, long endMs, CancellationToken cancel);

    /// <summary>Up to <paramref name="limit"/> matching events, newest first (<c>query | limit N</c>).</summary>
    IReadOnlyList<SampleEvent> Samples(Filter filter, long startMs, long endMs, int limit, CancellationToken cancel);
}
