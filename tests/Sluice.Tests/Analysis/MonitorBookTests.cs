using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Analysis.Monitors;

namespace Sluice.Tests.Analysis;

/// <summary>Monitors on a hand-moved clock over a synthetic daily season: counted at ingest, evaluated from buckets.</summary>
public sealed class MonitorBookTests : IDisposable
{
    private const long Hour = 3_600_000;
    private static readonly long Start = 1_767_225_600_000 + (21 * 24 * Hour) + (10 * Hour); // 10:00, three weeks in

    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-monitors-").FullName;

    private static MonitorSpec DropSpec => new()
    {
        Name = "blocked on shop",
        Query = "kind:traffic decision:block domain:shop.example",
        Baseline = new() { Kind = BaselineKind.MedianMad, Days = 7 },
        Threshold = new() { Mode = ThresholdMode.Percent, Warning = 10, Critical = 25, Direction = Direction.Drop },
        ValuePerEvent = 0.25,
        Unit = "€",
    };

    [Fact]
    public void A_thirty_percent_drop_goes_critical_in_one_evaluation_and_recovery_resolves_it()
    {
        var clock = new HandClock(Start);
        var book = NewBook(clock, new SeasonalBackfill(Start));
        var (monitor, error) = book.Put(null, DropSpec, default);
        Assert.Null(error);
        book.Evaluate();
        Assert.Equal(MonitorStatus.Ok, monitor!.Status);

        // The next hour brings 70 % of its season, and a noisy neighbour that must not count.
        var expected = SeasonalBackfill.PerHour(Start);
        var dropped = expected * 7 / 10;
        book.Observer.Observe(TrafficRows.Batch(TrafficRows.Spread(Start, dropped), "shop.example"), (int)dropped);
        book.Observer.Observe(TrafficRows.Batch(TrafficRows.Spread(Start, 500), "other.example"), 500);
        clock.Advance(TimeSpan.FromHours(1));
        var changes = book.Evaluate();

        var change = Assert.Single(changes).Change;
        Assert.Equal((MonitorStatus.Ok, MonitorStatus.Critical), (change.From, change.To));
        var reading = monitor.Last!;
        Assert.Equal(dropped, reading.Observed);
        Assert.Equal(expected, reading.Expected);
        Assert.Equal(-30, reading.Deviation!.Value, 6);
        var gap = expected - dropped;
        Assert.Equal($"{gap:N0} events, about {Math.Round(gap * 0.25):N0} €, below baseline in the last hour", reading.Summary);

        // A normal hour: back to ok, and the history holds both changes.
        var next = SeasonalBackfill.PerHour(clock.UnixMilliseconds);
        book.Observer.Observe(TrafficRows.Batch(TrafficRows.Spread(clock.UnixMilliseconds, next), "shop.example"), (int)next);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(MonitorStatus.Ok, Assert.Single(book.Evaluate()).Change.To);
        Assert.Equal([MonitorStatus.Ok, MonitorStatus.Critical, MonitorStatus.Ok], monitor.History.Select(h => h.To));
    }

    [Fact]
    public void A_row_is_tested_only_against_monitors_filed_under_its_values_by_their_rarest_term()
    {
        var clock = new HandClock(Start);
        var book = NewBook(clock, null);
        for (var i = 0; i < 50; i++)
        {
            book.Put(null, DropSpec with { Name = $"m{i}", Query = $"kind:traffic decision:block domain:d{i}.example" }, default);
        }

        book.Put(null, DropSpec with { Name = "any block", Query = "kind:traffic decision:block" }, default);
        var index = book.Counter.Index;
        Assert.Equal((51, 51), (index.Count, index.Indexed));
        var candidates = new List<LiveMonitor>();
        index.Candidates(TrafficRows.Batch([Start], "d7.example"), candidates);
        Assert.Equal(["m7", "any block"], candidates.Select(c => c.Spec.Name));
    }

    [Fact]
    public void Monitors_status_and_counts_survive_a_restart_and_the_gap_is_backfilled()
    {
        var clock = new HandClock(Start);
        var backfill = new SeasonalBackfill(Start);
        var book = NewBook(clock, backfill);
        var id = book.Put(null, DropSpec, default).Monitor!.Id;
        book.Evaluate();

        // Down for two hours while events kept being stored (the backfill's store has them).
        clock.Advance(TimeSpan.FromHours(2));
        backfill.Until = clock.UnixMilliseconds;
        var calls = backfill.Calls;
        var reopened = NewBook(clock, backfill);
        var monitor = reopened.Find(id)!;
        Assert.Equal(DropSpec, monitor.Spec);
        Assert.Equal(MonitorStatus.Ok, monitor.Status);
        reopened.CatchUp(default);
        Assert.Equal(calls + 2, backfill.Calls);
        reopened.Evaluate();
        Assert.Equal(SeasonalBackfill.PerHour(clock.UnixMilliseconds - Hour), monitor.Last!.Observed);
        Assert.Equal(MonitorStatus.Ok, monitor.Status);
    }

    [Fact]
    public void A_bad_definition_names_its_field()
    {
        var book = NewBook(new HandClock(Start), null);
        Assert.Equal("query", book.Put(null, DropSpec with { Query = "kind:traffic | stats count()" }, default).Error!.Value.Field);
        Assert.Equal("query", book.Put(null, DropSpec with { Query = "_time:1h kind:traffic" }, default).Error!.Value.Field);
        Assert.Equal("threshold.critical", book.Put(null, DropSpec with { Threshold = new() { Warning = 30, Critical = 10 } }, default).Error!.Value.Field);
        Assert.Equal("baseline.days", book.Put(null, DropSpec with { Baseline = new() { Kind = BaselineKind.Ewma, Days = 99 } }, default).Error!.Value.Field);
    }

    private MonitorBook NewBook(HandClock clock, IMonitorBackfill? backfill) =>
        new(clock, Path.Combine(_dir, "monitors.json"), 35, 1000, backfill, NullLogger.Instance);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
