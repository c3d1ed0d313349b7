using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Core.Errors;
using Sluice.Core.IO;
using Sluice.Core.Time;

namespace Sluice.Analysis.Monitors;

/// <summary>
/// The monitors of the server: definitions, counts (fed by <see cref="Counter"/> at ingest) and statuses, kept in
/// <c>meta/monitors.json</c>. A new monitor's buckets are backfilled once by a query; after a restart the hours
/// from the last save on are forgotten and backfilled again, so the gap while the server was down is counted.
/// Evaluation reads buckets only.
/// </summary>
internal sealed class MonitorBook
{
    private readonly IClock _clock;
    private readonly string _path;
    private readonly int _historyDays;
    private readonly int _maxMonitors;
    private readonly IMonitorBackfill? _backfill;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();

    // Backfills, evaluations and saves each run one at a time: from the ticker, HTTP handlers and POST /api/alerts/evaluate.
    private readonly Lock _backfilling = new();
    private readonly Lock _evaluating = new();
    private readonly Lock _saving = new();
    private readonly Dictionary<string, LiveMonitor> _monitors = new(StringComparer.Ordinal);

    /// <summary>Monitors whose buckets still wait for a backfill from this time (new ones while recovering, all after a restart).</summary>
    private readonly Dictionary<string, long> _pending = new(StringComparer.Ordinal);
    private long _savedAtMs = long.MinValue;

    public MonitorBook(IClock clock, string path, int historyDays, int maxMonitors, IMonitorBackfill? backfill, ILogger logger)
    {
        _clock = clock;
        _path = path;
        _historyDays = historyDays;
        _maxMonitors = maxMonitors;
        _backfill = backfill;
        _logger = logger;
        Load();
    }

    internal MonitorCounter Counter { get; } = new();

    /// <summary>The observer to register for ingest.</summary>
    public IStoredRowsObserver Observer => Counter;

    public int HistoryDays => _historyDays;

    internal IReadOnlyList<LiveMonitor> All()
    {
        lock (_lock)
        {
            return [.. _monitors.Values.OrderBy(m => m.CreatedMs).ThenBy(m => m.Id, StringComparer.Ordinal)];
        }
    }

    internal LiveMonitor? Find(string id)
    {
        lock (_lock)
        {
            return _monitors.GetValueOrDefault(id);
        }
    }

    /// <summary>Adds a monitor (or replaces one, keeping its id) and backfills its counts; errors name the field at fault.</summary>
    internal (LiveMonitor? Monitor, FieldError? Error) Put(string? id, MonitorSpec spec, CancellationToken cancel)
    {
        if (MonitorSpecCheck.Check(spec, _historyDays, out var filter) is { } error)
        {
            return (null, error);
        }

        var now = _clock.UnixMilliseconds;
        LiveMonitor monitor;
        lock (_lock)
        {
            LiveMonitor? old = null;
            if (id is not null && !_monitors.TryGetValue(id, out old))
            {
                return (null, new FieldError(ErrorCodes.NotFound, "id", $"no monitor '{id}'"));
            }

            if (id is null && _monitors.Count >= _maxMonitors)
            {
                return (null, new FieldError(ErrorCodes.InvalidValue, "name", $"at most {_maxMonitors} monitors (Alerts:MaxMonitors)"));
            }

            // Same events counted: the counts stay. Else a fresh start, backfilled below.
            var keep = old is not null && old.Spec.Query == spec.Query;
            var buckets = keep ? old!.Buckets : NewBuckets(now);
            monitor = new LiveMonitor(id ?? NewId(), spec, filter!, old?.CreatedMs ?? now, buckets);
            if (old is not null)
            {
                monitor.Restore(old.Status, old.StatusSinceMs, old.History);
            }

            _monitors[monitor.Id] = monitor;
            if (!keep && _backfill is not null)
            {
                _pending[monitor.Id] = buckets.CoveredFromMs;
            }

            Counter.Index = new MonitorIndex(_monitors.Values);
        }

        CatchUp(cancel);
        Save();
        return (monitor, null);
    }

    internal bool Delete(string id)
    {
        lock (_lock)
        {
            if (!_monitors.Remove(id))
            {
                return false;
            }

            _pending.Remove(id);
            Counter.Index = new MonitorIndex(_monitors.Values);
        }

        Save();
        return true;
    }

    /// <summary>Runs the backfills still owed, once stored events can be queried.</summary>
    public void CatchUp(CancellationToken cancel)
    {
        if (_backfill is null || !_backfill.Ready)
        {
            return;
        }

        // Two backfills of one monitor at once would each add the query's counts: the whole history twice.
        lock (_backfilling)
        {
            List<(LiveMonitor, long)> owed;
            lock (_lock)
            {
                owed = [.. _pending.Select(p => (_monitors[p.Key], p.Value))];
            }

            foreach (var (monitor, from) in owed)
            {
                try
                {
                    Backfill(monitor, from, cancel);
                    lock (_lock)
                    {
                        // Only the debt just paid: a monitor replaced meanwhile (a new query) still owes its own.
                        if (_monitors.GetValueOrDefault(monitor.Id) == monitor && _pending.GetValueOrDefault(monitor.Id) == from)
                        {
                            _pending.Remove(monitor.Id);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning("Backfill of monitor {Monitor} failed, retried at the next evaluation: {Error}", monitor.Id, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// Evaluates every monitor at the last whole minute; returns the status changes. The file is written when a
    /// status changed or a new hour began, not every minute: after a restart the counts are refilled from the hour
    /// of the last save anyway, so saving more often would buy nothing but writes.
    /// </summary>
    public IReadOnlyList<(string MonitorId, StatusChange Change)> Evaluate()
    {
        lock (_evaluating)
        {
            return EvaluateNow();
        }
    }

    private List<(string MonitorId, StatusChange Change)> EvaluateNow()
    {
        var now = _clock.UnixMilliseconds;
        var end = CountBuckets.FloorDiv(now, CountBuckets.MinuteMs) * CountBuckets.MinuteMs;
        var changes = new List<(string, StatusChange)>();
        foreach (var monitor in All())
        {
            bool owed;
            lock (_lock)
            {
                owed = _pending.ContainsKey(monitor.Id);
            }

            if (!owed && monitor.Apply(MonitorEvaluator.Read(monitor.Spec, monitor.Buckets, end), now) is { } change)
            {
                changes.Add((monitor.Id, change));
            }
        }

        var hourBegan = CountBuckets.FloorDiv(now, CountBuckets.HourMs) != CountBuckets.FloorDiv(_savedAtMs, CountBuckets.HourMs);
        if (changes.Count > 0 || (hourBegan && _monitors.Count > 0))
        {
            Save();
        }

        return changes;
    }

    public void Save()
    {
        lock (_saving)
        {
            SaveNow();
        }
    }

    private void SaveNow()
    {
        var records = All().Select(m =>
        {
            var (minutes, hours) = m.Buckets.Export();
            return new MonitorRecord(m.Id, m.Spec, m.CreatedMs, m.Status, m.StatusSinceMs, [.. m.HistoryNewestFirst().Reverse()], m.Buckets.CoveredFromMs, minutes, hours);
        }).ToList();
        var now = _clock.UnixMilliseconds;
        var file = new MonitorFile(MonitorFile.CurrentVersion, now, records);
        AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(file, AnalysisJson.Options));
        _savedAtMs = now;
    }

    private void Backfill(LiveMonitor monitor, long fromMs, CancellationToken cancel)
    {
        var now = _clock.UnixMilliseconds;
        monitor.Buckets.ForgetFrom(fromMs);
        // No upper bound: events stamped ahead of this clock are counted live too, so the refill must see them.
        foreach (var (bin, count) in _backfill!.Count(monitor.Filter, fromMs, long.MaxValue, CountBuckets.HourMs, cancel))
        {
            monitor.Buckets.AddHour(bin, count);
        }

        var minutesFrom = Math.Max(fromMs, (CountBuckets.FloorDiv(now, CountBuckets.MinuteMs) - CountBuckets.MinuteSlots + 1) * CountBuckets.MinuteMs);
        foreach (var (bin, count) in _backfill.Count(monitor.Filter, minutesFrom, long.MaxValue, CountBuckets.MinuteMs, cancel))
        {
            monitor.Buckets.AddMinute(bin, count);
        }
    }

    private CountBuckets NewBuckets(long nowMs)
    {
        var hour = CountBuckets.FloorDiv(nowMs, CountBuckets.HourMs);
        var hours = (_historyDays * 24) + 2;

        // Without a backfill nothing before now is known; with one, the whole history is filled.
        var from = _backfill is null ? hour * CountBuckets.HourMs : (hour - hours + 2) * CountBuckets.HourMs;
        return new CountBuckets(hours, from);
    }

    private void Load()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        var file = JsonSerializer.Deserialize<MonitorFile>(File.ReadAllBytes(_path), AnalysisJson.Options)
            ?? throw new InvalidDataException($"{_path} is empty");
        if (file.Version != MonitorFile.CurrentVersion)
        {
            throw new InvalidDataException($"{_path} has format version {file.Version}; this server reads {MonitorFile.CurrentVersion}");
        }

        // The hour holding the last save may have been counted in part: it and everything after are counted again.
        var gapFrom = CountBuckets.FloorDiv(file.SavedAtMs, CountBuckets.HourMs) * CountBuckets.HourMs;
        foreach (var record in file.Monitors)
        {
            if (MonitorSpecCheck.Check(record.Spec, _historyDays, out var filter) is { } error)
            {
                _logger.LogWarning("Monitor {Monitor} in {Path} is no longer valid and is skipped: {Error}", record.Id, _path, error.Message);
                continue;
            }

            var buckets = new CountBuckets((_historyDays * 24) + 2, record.CoveredFromMs);
            buckets.Import(record.Minutes, record.Hours);
            var monitor = new LiveMonitor(record.Id, record.Spec, filter!, record.CreatedMs, buckets);
            monitor.Restore(record.Status, record.StatusSinceMs, record.History);
            _monitors[monitor.Id] = monitor;
            if (_backfill is not null)
            {
                _pending[monitor.Id] = Math.Max(gapFrom, record.CoveredFromMs);
            }
        }

        Counter.Index = new MonitorIndex(_monitors.Values);
    }

    private static string NewId() => "mon_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
