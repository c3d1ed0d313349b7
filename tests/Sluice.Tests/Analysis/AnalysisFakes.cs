using System.Text;
using Sluice.Analysis.Alerts;
using Sluice.Analysis.Monitors;
using Sluice.Analysis.Patterns;
using Sluice.Core.Events;
using Sluice.Core.Time;
using Sluice.Query.Language;

namespace Sluice.Tests.Analysis;

/// <summary>A clock moved by hand.</summary>
internal sealed class HandClock(long startMs) : IClock
{
    public long UnixMilliseconds { get; set; } = startMs;

    public void Advance(TimeSpan by) => UnixMilliseconds += (long)by.TotalMilliseconds;
}

/// <summary>
/// Stored events that follow a daily season: hour h of any day holds <see cref="PerHour"/>(h) events, spread evenly
/// over its minutes. Answers backfill queries for every bin before <see cref="Until"/>.
/// </summary>
internal sealed class SeasonalBackfill(long untilMs) : IMonitorBackfill
{
    public long Until { get; set; } = untilMs;

    public int Calls { get; private set; }

    public bool Ready => true;

    /// <summary>60 × (10 + round(5 sin(2π h / 24))): 300..900 events an hour, a multiple of 60.</summary>
    public static long PerHour(long hourStartMs)
    {
        var hourOfDay = (hourStartMs / 3_600_000) % 24;
        return 60 * (10 + (long)Math.Round(5 * Math.Sin(2 * Math.PI * hourOfDay / 24)));
    }

    public IReadOnlyList<(long BinStartMs, long Count)> Count(Filter filter, long startMs, long endMs, long binMs, CancellationToken cancel)
    {
        Calls++;
        var bins = new List<(long, long)>();
        for (var bin = startMs / binMs * binMs; bin < Math.Min(endMs, Until); bin += binMs)
        {
            var hour = bin / 3_600_000 * 3_600_000;
            bins.Add((bin, binMs == 3_600_000 ? PerHour(hour) : PerHour(hour) / 60));
        }

        return bins;
    }
}

/// <summary>Alert queries answered by functions the test sets.</summary>
internal sealed class FakeQueries : IAlertQueries
{
    public Func<Filter, long, long, long> Counts { get; set; } = (_, _, _) => 0;

    public List<(string? Value, long Count)> Groups { get; set; } = [];

    public double? FormulaValue { get; set; }

    public List<(long Start, long End)> Asked { get; } = [];

    public long Count(Filter filter, long startMs, long endMs, CancellationToken cancel)
    {
        Asked.Add((startMs, endMs));
        return Counts(filter, startMs, endMs);
    }

    public IReadOnlyList<(string? Value, long Count)> CountBy(Filter filter, string field, long startMs, long endMs, CancellationToken cancel) => Groups;

    public double? Formula(string formula, Filter? scope, long startMs, long endMs, CancellationToken cancel) => FormulaValue;

    public IReadOnlyList<SampleEvent> Samples(Filter filter, long startMs, long endMs, int limit, CancellationToken cancel) =>
        [.. Enumerable.Range(0, limit).Select(i => new SampleEvent(endMs - i, $"e{i}", "error", "shop", $"payment failed {i}", "0123456789abcdef"))];
}

/// <summary>A pattern catalog the test fills.</summary>
internal sealed class FakeCatalog : IPatternCatalogView
{
    public List<PatternSummary> Patterns { get; } = [];

    public IReadOnlyList<PatternSummary> Snapshot() => [.. Patterns];

    public PatternSummary? Find(string id) => Patterns.FirstOrDefault(p => p.Id == id);

    public static PatternSummary Pattern(string id, long firstSeenMs, EventLevel level) =>
        new(id, "payment <*> failed", "mined", null, level, 3, firstSeenMs, firstSeenMs, ["shop"], "payment 42 failed") { FirstObservedMs = firstSeenMs };
}

/// <summary>Encoded traffic rows, as ingest hands them to observers.</summary>
internal static class TrafficRows
{
    public static byte[] Batch(IEnumerable<long> timestamps, string domain, string decision = "block")
    {
        using var batch = new EventBatchBuilder();
        foreach (var ts in timestamps)
        {
            batch.BeginRow();
            batch.WriteString(FieldTag.Domain, Encoding.UTF8.GetBytes(domain));
            batch.WriteString(FieldTag.Decision, Encoding.UTF8.GetBytes(decision));
            batch.EndRow(ts, EventKind.Traffic, EventLevel.Info);
        }

        return batch.Rows.ToArray();
    }

    /// <summary><paramref name="count"/> timestamps spread evenly over the hour from <paramref name="hourStartMs"/>.</summary>
    public static IEnumerable<long> Spread(long hourStartMs, long count) =>
        Enumerable.Range(0, (int)count).Select(i => hourStartMs + (i * 3_600_000L / count));
}
