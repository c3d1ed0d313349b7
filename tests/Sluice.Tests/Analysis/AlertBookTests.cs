using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Analysis.Alerts;
using Sluice.Analysis.Monitors;
using Sluice.Core.Events;

namespace Sluice.Tests.Analysis;

/// <summary>Each alert kind fires once, keeps quiet through its cooldown, and resolves; silences hold notifications back.</summary>
public sealed class AlertBookTests : IDisposable
{
    private const long Minute = 60_000;
    private static readonly long Start = 1_767_225_600_000 + (21 * 24 * 3_600_000L) + (10 * 3_600_000L);

    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-alerts-").FullName;
    private readonly HandClock _clock = new(Start);
    private readonly FakeQueries _queries = new();
    private readonly FakeCatalog _catalog = new();
    private readonly Outbox _outbox;

    public AlertBookTests() => _outbox = new Outbox(Path.Combine(_dir, "outbox.json"));

    private static ChannelSpec[] Hook => [new(ChannelKind.Webhook, "https://hooks.example/T0KEN")];

    [Fact]
    public async Task A_threshold_fires_once_holds_its_cooldown_and_resolves()
    {
        var book = NewBook();
        var rule = Put(book, new AlertRuleSpec { Name = "errors", Kind = AlertKind.Threshold, Query = "level:error", Above = 10, CooldownMinutes = 30, Channels = Hook });
        _queries.Counts = (_, _, _) => 50;

        Assert.Equal(["firing"], await States(book));
        var firing = Assert.Single(_outbox.Pending()).Notification;
        Assert.Equal(("firing", "level:error"), (firing.State, firing.Query));
        Assert.Equal(50, firing.Figures["value"]);
        Assert.Equal(5, firing.Samples.Count);
        Assert.Equal("0123456789abcdef", firing.Samples[0].PatternId);
        Assert.Equal("http://sluice.example/explore?q=level%3Aerror", firing.Link);

        Assert.Empty(await States(book)); // still firing: nothing new
        _queries.Counts = (_, _, _) => 0;
        Assert.Equal(["resolved"], await States(book));
        Assert.Equal(["firing", "resolved"], _outbox.Pending().Select(d => d.Notification.State));
        Assert.Equal(firing.Id, _outbox.Pending()[1].Notification.Id);

        // Firing again inside the cooldown is recorded but not sent; after it, it is sent again.
        _queries.Counts = (_, _, _) => 50;
        Assert.Equal(["suppressed"], await States(book));
        _queries.Counts = (_, _, _) => 0;
        Assert.Equal(["resolved"], await States(book));
        Assert.Equal(2, _outbox.Count);
        _clock.Advance(TimeSpan.FromMinutes(30));
        _queries.Counts = (_, _, _) => 50;
        Assert.Equal(["firing"], await States(book));
        Assert.Equal(3, _outbox.Count);
        Assert.Equal(rule.Id, book.History(rule.Id, 10)[0].RuleId);
    }

    [Fact]
    public async Task A_threshold_with_group_by_fires_per_group_and_resolves_the_group_that_vanishes()
    {
        var book = NewBook();
        Put(book, new AlertRuleSpec { Name = "errors per service", Kind = AlertKind.Threshold, Query = "level:error", GroupBy = "service", Above = 10, Channels = Hook });
        _queries.Groups = [("api", 20), ("web", 5)];
        var first = await book.EvaluateAsync(default);
        Assert.Equal(("firing", "api"), (Assert.Single(first).State, first[0].GroupKey));
        Assert.Equal("level:error service:\"api\"", _outbox.Pending()[0].Notification.Query);
        _queries.Groups = [("web", 5)];
        var second = await book.EvaluateAsync(default);
        Assert.Equal(("resolved", "api"), (Assert.Single(second).State, second[0].GroupKey));
    }

    [Fact]
    public async Task A_threshold_on_a_formula_fires_on_its_value_and_resolves()
    {
        var book = NewBook();
        Put(book, new AlertRuleSpec { Name = "error share", Kind = AlertKind.Threshold, Query = "service:pay", Formula = "count(level:error) / count() * 100", Above = 5, Channels = Hook });
        _queries.FormulaValue = 12.5;
        Assert.Equal(["firing"], await States(book));
        Assert.Equal(12.5, _outbox.Pending()[0].Notification.Figures["value"]);
        _queries.FormulaValue = null; // no events: undefined, not firing
        Assert.Equal(["resolved"], await States(book));
    }

    [Fact]
    public async Task An_absence_fires_when_nothing_matched_for_the_window_and_resolves_when_events_return()
    {
        var book = NewBook();
        Put(book, new AlertRuleSpec { Name = "heartbeat", Kind = AlertKind.Absence, Query = "service:cron", WindowMinutes = 15, CooldownMinutes = 10, Channels = Hook });
        _queries.Counts = (_, _, _) => 0;
        Assert.Equal(["firing"], await States(book));
        Assert.Equal(15 * Minute, _queries.Asked[^1].End - _queries.Asked[^1].Start);
        Assert.Empty(_outbox.Pending()[0].Notification.Samples); // nothing matched: nothing to show
        Assert.Empty(await States(book));
        _queries.Counts = (_, _, _) => 3;
        Assert.Equal(["resolved"], await States(book));
        _queries.Counts = (_, _, _) => 0;
        Assert.Equal(["suppressed"], await States(book)); // 3 minutes after the first firing: inside the cooldown
        Assert.Equal(2, _outbox.Count);
    }

    [Fact]
    public async Task A_monitor_rule_follows_the_monitor_status()
    {
        var backfill = new SeasonalBackfill(Start);
        var monitors = new MonitorBook(_clock, Path.Combine(_dir, "monitors.json"), 35, 10, backfill, NullLogger.Instance);
        var monitor = monitors.Put(null, new MonitorSpec
        {
            Name = "shop blocks", Query = "kind:traffic domain:shop.example",
            Baseline = new() { Kind = BaselineKind.MedianMad, Days = 7 },
            Threshold = new() { Warning = 10, Critical = 25, Direction = Direction.Drop },
        }, default).Monitor!;
        var book = NewBook(monitors);
        Put(book, new AlertRuleSpec { Name = "shop monitor", Kind = AlertKind.Monitor, MonitorId = monitor.Id, MinStatus = MonitorStatus.Critical, Channels = Hook });
        monitors.Evaluate();
        Assert.Empty(await States(book));

        _clock.Advance(TimeSpan.FromHours(1)); // an hour with no events at all: −100 %
        monitors.Evaluate();
        Assert.Equal(["firing"], await States(book));
        var n = _outbox.Pending()[0].Notification;
        Assert.Equal(("critical", monitor.Id), (n.Severity, n.GroupKey));
        Assert.Equal(0, n.Figures["observed"]);

        var count = SeasonalBackfill.PerHour(_clock.UnixMilliseconds);
        monitors.Observer.Observe(TrafficRows.Batch(TrafficRows.Spread(_clock.UnixMilliseconds, count), "shop.example"), (int)count);
        _clock.Advance(TimeSpan.FromHours(1));
        monitors.Evaluate();
        Assert.Equal(["resolved"], await States(book));
    }

    [Fact]
    public async Task A_new_pattern_fires_once_at_its_level_and_resolves_after_the_window()
    {
        var book = NewBook();
        Put(book, new AlertRuleSpec { Name = "new warnings", Kind = AlertKind.NewPattern, MinLevel = EventLevel.Warn, WindowMinutes = 10, Channels = Hook });
        _catalog.Patterns.Add(FakeCatalog.Pattern("00000000000000aa", Start - Minute, EventLevel.Error)); // before the rule: not new
        Assert.Empty(await States(book));

        _clock.Advance(TimeSpan.FromMinutes(1));
        _catalog.Patterns.Add(FakeCatalog.Pattern("00000000000000bb", _clock.UnixMilliseconds - 1, EventLevel.Error));
        _catalog.Patterns.Add(FakeCatalog.Pattern("00000000000000cc", _clock.UnixMilliseconds - 1, EventLevel.Info)); // below the level
        var fired = await book.EvaluateAsync(default);
        Assert.Equal(("firing", "00000000000000bb"), (Assert.Single(fired).State, fired[0].GroupKey));
        Assert.Equal("pattern_id:00000000000000bb", _outbox.Pending()[0].Notification.Query);

        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await States(book));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(["resolved"], await States(book));
        Assert.Empty(await States(book));

        // Half an hour without an evaluation (the server was down): a pattern first seen meanwhile is still new.
        var lastEvaluation = _clock.UnixMilliseconds - Minute;
        _clock.Advance(TimeSpan.FromMinutes(30));
        _catalog.Patterns.Add(FakeCatalog.Pattern("00000000000000dd", lastEvaluation + Minute, EventLevel.Fatal));
        Assert.Equal(["firing"], await States(book));
    }

    [Fact]
    public async Task A_pattern_rate_shift_fires_at_k_times_its_baseline_and_resolves()
    {
        var book = NewBook();
        Put(book, new AlertRuleSpec { Name = "payment failures up", Kind = AlertKind.PatternRate, PatternId = "0123456789abcdef", Factor = 3, WindowMinutes = 10, BaselineWindows = 6, Channels = Hook });
        long current = 40;
        _queries.Counts = (_, start, end) => end - start == 10 * Minute ? current : 60; // 60 over six windows: 10 per window
        Assert.Equal(["firing"], await States(book));
        Assert.Equal(4, _outbox.Pending()[0].Notification.Figures["ratio"]);
        Assert.Empty(await States(book));
        current = 12;
        Assert.Equal(["resolved"], await States(book));
        current = 40;
        Assert.Equal(["suppressed"], await States(book)); // the default cooldown of 10 minutes has not passed
        Assert.Equal(2, _outbox.Count);
    }

    [Fact]
    public async Task A_silenced_rule_records_its_firing_but_sends_nothing()
    {
        var book = NewBook();
        var rule = Put(book, new AlertRuleSpec { Name = "errors", Kind = AlertKind.Threshold, Query = "level:error", Above = 10, Channels = Hook });
        book.Silence(rule.Id, Start + (60 * Minute));
        _queries.Counts = (_, _, _) => 50;
        Assert.Equal(["silenced"], await States(book));
        _queries.Counts = (_, _, _) => 0;
        Assert.Equal(["resolved"], await States(book));
        Assert.Equal(0, _outbox.Count);
    }

    [Fact]
    public async Task Rules_alert_state_and_history_survive_a_restart()
    {
        var book = NewBook();
        var rule = Put(book, new AlertRuleSpec { Name = "errors", Kind = AlertKind.Threshold, Query = "level:error", Above = 10, Channels = Hook });
        _queries.Counts = (_, _, _) => 50;
        await States(book);

        var reopened = NewBook();
        var again = reopened.Find(rule.Id)!;
        Assert.Equal(rule.Spec.Query, again.Spec.Query);
        Assert.True(again.Instances[""].Firing);
        Assert.Equal("firing", Assert.Single(reopened.History(null, 10)).State);
        Assert.Empty(await States(reopened)); // still firing: not sent twice
        Assert.Equal(1, new Outbox(Path.Combine(_dir, "outbox.json")).Count);
    }

    [Fact]
    public void A_bad_rule_names_its_field()
    {
        var book = NewBook();
        Assert.Equal("above", book.Put(null, new AlertRuleSpec { Name = "x", Kind = AlertKind.Threshold, Query = "level:error" }).Error!.Value.Field);
        Assert.Equal("channels[0].url", book.Put(null, new AlertRuleSpec { Name = "x", Kind = AlertKind.Absence, Query = "a", Channels = [new(ChannelKind.Slack, "ftp://x")] }).Error!.Value.Field);
        Assert.Equal("monitor_id", book.Put(null, new AlertRuleSpec { Name = "x", Kind = AlertKind.Monitor }).Error!.Value.Field);
        Assert.Equal("formula", book.Put(null, new AlertRuleSpec { Name = "x", Kind = AlertKind.Threshold, Query = "a", Above = 1, Formula = "count(" }).Error!.Value.Field);
    }

    private async Task<List<string>> States(AlertBook book)
    {
        var events = await book.EvaluateAsync(default);
        _clock.Advance(TimeSpan.FromMinutes(1));
        return [.. events.Select(e => e.State)];
    }

    private AlertBook NewBook(MonitorBook? monitors = null) =>
        new(_clock, Path.Combine(_dir, "alerts.json"), 100, _queries, monitors, _catalog, _outbox, "http://sluice.example", TimeSpan.FromMinutes(5), NullLogger.Instance);

    private static AlertRule Put(AlertBook book, AlertRuleSpec spec)
    {
        var (rule, error) = book.Put(null, spec);
        Assert.Null(error);
        return rule!;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
