using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sluice.Analysis.Monitors;
using Sluice.Analysis.Patterns;
using Sluice.Core.Errors;
using Sluice.Core.IO;
using Sluice.Core.Time;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// The alert rules, their alerts (one per rule and group key) and the history, kept in <c>meta/alerts.json</c>.
/// Each evaluation runs every rule; a firing that is new is notified unless the rule is silenced or the alert
/// was notified within its cooldown; a notified firing that stops is notified as resolved. Notifications go to
/// the <see cref="Outbox"/>, which the <see cref="DeliverySender"/> empties in the background.
/// </summary>
internal sealed class AlertBook
{
    public const int HistoryLimit = 1000;

    private readonly IClock _clock;
    private readonly string _path;
    private readonly int _maxRules;
    private readonly RuleChecks _checks;
    private readonly IAlertQueries _queries;
    private readonly Outbox _outbox;
    private readonly string _dashboardUrl;
    private readonly TimeSpan _alertmanagerResend;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _evaluating = new(1, 1);
    private readonly Dictionary<string, AlertRule> _rules = new(StringComparer.Ordinal);
    private readonly List<AlertEvent> _history = [];

    public AlertBook(IClock clock, string path, int maxRules, IAlertQueries queries, MonitorBook? monitors, IPatternCatalogView? patterns,
        Outbox outbox, string dashboardUrl, TimeSpan alertmanagerResend, ILogger logger, IVolumeAlertFeed? volume = null)
    {
        _clock = clock;
        _path = path;
        _maxRules = maxRules;
        _queries = queries;
        _checks = new RuleChecks(queries, monitors, patterns, volume);
        _outbox = outbox;
        _dashboardUrl = dashboardUrl.TrimEnd('/');
        _alertmanagerResend = alertmanagerResend;
        _logger = logger;
        Load();
    }

    internal IReadOnlyList<AlertRule> Rules()
    {
        lock (_lock)
        {
            return [.. _rules.Values.OrderBy(r => r.CreatedMs).ThenBy(r => r.Id, StringComparer.Ordinal)];
        }
    }

    internal AlertRule? Find(string id)
    {
        lock (_lock)
        {
            return _rules.GetValueOrDefault(id);
        }
    }

    /// <summary>A rule's alerts that fire now (a copy: evaluation changes them under the book's lock).</summary>
    internal IReadOnlyList<AlertInstance> Firing(AlertRule rule)
    {
        lock (_lock)
        {
            return [.. rule.Instances.Values.Where(i => i.Firing)];
        }
    }

    /// <summary>The history, newest first, optionally of one rule.</summary>
    public IReadOnlyList<AlertEvent> History(string? ruleId, int limit)
    {
        lock (_lock)
        {
            return [.. _history.AsEnumerable().Reverse().Where(e => ruleId is null || e.RuleId == ruleId).Take(limit)];
        }
    }

    /// <summary>Adds a rule, or replaces one keeping its id and its alerts' state.</summary>
    internal (AlertRule? Rule, FieldError? Error) Put(string? id, AlertRuleSpec spec)
    {
        if (AlertRuleSpecCheck.Check(spec, out var filter) is { } error)
        {
            return (null, error);
        }

        AlertRule rule;
        lock (_lock)
        {
            AlertRule? old = null;
            if (id is not null && !_rules.TryGetValue(id, out old))
            {
                return (null, new FieldError(ErrorCodes.NotFound, "id", $"no alert rule '{id}'"));
            }

            if (old is null && _rules.Count >= _maxRules)
            {
                return (null, new FieldError(ErrorCodes.InvalidValue, "name", $"at most {_maxRules} alert rules (Alerts:MaxRules)"));
            }

            var now = _clock.UnixMilliseconds;
            rule = new AlertRule(id ?? "rule_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), spec, filter, old?.CreatedMs ?? now)
            {
                LastEvaluatedMs = old?.LastEvaluatedMs ?? now,
                MutedUntilMs = old?.MutedUntilMs,
            };
            if (old is not null && old.Spec.Kind == spec.Kind)
            {
                foreach (var (key, instance) in old.Instances)
                {
                    rule.Instances[key] = instance;
                }
            }

            _rules[rule.Id] = rule;
            Save();
        }

        return (rule, null);
    }

    internal bool Delete(string id)
    {
        lock (_lock)
        {
            var removed = _rules.Remove(id);
            if (removed)
            {
                Save();
            }

            return removed;
        }
    }

    /// <summary>Silences a rule until <paramref name="untilMs"/> (null: lifts the silence).</summary>
    internal bool Silence(string id, long? untilMs)
    {
        lock (_lock)
        {
            if (!_rules.TryGetValue(id, out var rule))
            {
                return false;
            }

            rule.MutedUntilMs = untilMs;
            Save();
            return true;
        }
    }

    /// <summary>Runs every rule once, at the clock's now; returns the history lines it added.</summary>
    public async Task<IReadOnlyList<AlertEvent>> EvaluateAsync(CancellationToken cancel)
    {
        await _evaluating.WaitAsync(cancel);
        try
        {
            var added = new List<AlertEvent>();
            foreach (var rule in Rules())
            {
                var now = _clock.UnixMilliseconds;
                IReadOnlyList<Finding> findings;
                try
                {
                    findings = await Task.Run(() => _checks.Run(rule, now, cancel), cancel);
                    rule.LastError = null;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    rule.LastError = e.Message;
                    _logger.LogWarning("Alert rule {Rule} could not be evaluated: {Error}", rule.Id, e.Message);
                    continue;
                }

                // Samples for what may start firing are read before the lock: a slow query must not hold up the
                // alert endpoints (nothing else changes an alert's state meanwhile: evaluations run one at a time).
                List<Finding> starting;
                lock (_lock)
                {
                    starting = [.. findings.Where(f => f.Firing && !(rule.Instances.TryGetValue(f.GroupKey, out var i) && i.Firing))];
                }

                var samples = await Task.Run(() => starting.ToDictionary(f => f.GroupKey, f => Samples(rule, f, now, cancel), StringComparer.Ordinal), cancel);
                lock (_lock)
                {
                    Apply(rule, findings, now, added, samples);
                    rule.LastEvaluatedMs = now;
                }
            }

            lock (_lock)
            {
                _history.AddRange(added);
                if (_history.Count > HistoryLimit)
                {
                    _history.RemoveRange(0, _history.Count - HistoryLimit);
                }

                // Each rule's last evaluation is kept (a new pattern is one seen after it); no rules, nothing to keep.
                if (added.Count > 0 || _rules.Count > 0)
                {
                    Save();
                }
            }

            return added;
        }
        finally
        {
            _evaluating.Release();
        }
    }

    private void Apply(AlertRule rule, IReadOnlyList<Finding> findings, long now, List<AlertEvent> added, Dictionary<string, IReadOnlyList<SampleEvent>> samples)
    {
        var spec = rule.Spec;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var finding in findings)
        {
            seen.Add(finding.GroupKey);
            rule.Instances.TryGetValue(finding.GroupKey, out var instance);
            if (finding.Firing && instance is not { Firing: true })
            {
                instance ??= rule.Instances[finding.GroupKey] = new AlertInstance { GroupKey = finding.GroupKey };
                instance.Firing = true;
                instance.StartedMs = now;
                instance.ResolvedMs = null;
                instance.Value = finding.Value;
                instance.Summary = finding.Summary;
                instance.NotificationId = "ntf_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
                string state;
                if (rule.IsMuted(now))
                {
                    (state, instance.Notified) = ("silenced", false);
                }
                else if (instance.LastNotifiedMs is { } last && now - last < spec.CooldownMinutes * 60_000L)
                {
                    (state, instance.Notified) = ("suppressed", false);
                }
                else
                {
                    (state, instance.Notified, instance.LastNotifiedMs, instance.RefreshedMs) = ("firing", true, now, now);
                    _outbox.Add(Build(rule, instance, finding, "firing", now, samples.GetValueOrDefault(finding.GroupKey) ?? []), spec.Channels, now);
                }

                added.Add(new AlertEvent(now, rule.Id, spec.Name, finding.GroupKey, state, finding.Value, finding.Summary, instance.NotificationId));
            }
            else if (finding.Firing && instance is not null)
            {
                instance.Value = finding.Value;
                instance.Summary = finding.Summary;
                if (instance.Notified && now - (instance.RefreshedMs ?? 0) >= _alertmanagerResend.TotalMilliseconds
                    && spec.Channels.Any(c => c.Type == ChannelKind.Alertmanager))
                {
                    // Alertmanager forgets an alert past its endsAt: tell it again that it still fires.
                    instance.RefreshedMs = now;
                    _outbox.Add(Build(rule, instance, finding, "firing", now, []), spec.Channels.Where(c => c.Type == ChannelKind.Alertmanager), now);
                }
            }
            else if (!finding.Firing && instance is { Firing: true })
            {
                Resolve(rule, instance, finding, now, added);
            }
        }

        // Group keys no longer reported (a group_by value that vanished, a deleted monitor) resolve too.
        foreach (var instance in rule.Instances.Values.Where(i => i.Firing && !seen.Contains(i.GroupKey)).ToList())
        {
            Resolve(rule, instance, null, now, added);
        }

        // A resolved alert is forgotten once its cooldown has passed (the history keeps it): a group_by over many
        // values, or many new patterns, must not grow the state file for ever.
        var cooldown = spec.CooldownMinutes * 60_000L;
        foreach (var instance in rule.Instances.Values.Where(i => !i.Firing && now - Math.Max(i.LastNotifiedMs ?? 0, i.ResolvedMs ?? 0) >= cooldown).ToList())
        {
            rule.Instances.Remove(instance.GroupKey);
        }
    }

    private void Resolve(AlertRule rule, AlertInstance instance, Finding? finding, long now, List<AlertEvent> added)
    {
        instance.Firing = false;
        instance.ResolvedMs = now;
        var summary = finding?.Summary ?? "no longer reported";
        if (instance.Notified && !rule.IsMuted(now))
        {
            var resolved = finding ?? new Finding(instance.GroupKey, false, instance.Value, summary, null, rule.Spec.Query, new Dictionary<string, double>());
            _outbox.Add(Build(rule, instance, resolved, "resolved", now, []), rule.Spec.Channels, now);
        }

        instance.Notified = false;
        added.Add(new AlertEvent(now, rule.Id, rule.Spec.Name, instance.GroupKey, "resolved", finding?.Value ?? instance.Value, summary, instance.NotificationId));
    }

    /// <summary>Up to the rule's number of events behind a finding (none when it has no evidence or they cannot be read).</summary>
    private IReadOnlyList<SampleEvent> Samples(AlertRule rule, Finding finding, long now, CancellationToken cancel)
    {
        if (finding.Evidence is not { } evidence || rule.Spec.Samples == 0)
        {
            return [];
        }

        try
        {
            var window = rule.Spec.WindowMinutes * 60_000L;
            var (from, to) = finding.SampleRange ?? (now - window, now + 1);
            return _queries.Samples(evidence, from, to, rule.Spec.Samples, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("Samples for alert rule {Rule} could not be read: {Error}", rule.Id, e.Message);
            return [];
        }
    }

    private Notification Build(AlertRule rule, AlertInstance instance, Finding finding, string state, long now, IReadOnlyList<SampleEvent> samples) => new(
        instance.NotificationId!,
        rule.Id,
        rule.Spec.Name,
        rule.Spec.Kind,
        instance.GroupKey,
        state,
        Notification.SeverityOf(rule.Spec.Kind, instance.Value),
        instance.StartedMs,
        state == "resolved" ? now : null,
        now,
        finding.Summary,
        finding.EvidenceQuery,
        finding.Figures,
        samples,
        Link(finding.EvidenceQuery),
        rule.Spec.Labels ?? new Dictionary<string, string>());

    /// <summary>The dashboard's explorer on the query (web/src/state.ts: <c>/explore?q=…</c>).</summary>
    private string Link(string? query) =>
        _dashboardUrl + "/explore" + (query is null ? "" : "?q=" + Uri.EscapeDataString(query));

    private void Save()
    {
        var rules = _rules.Values.Select(r => new AlertRuleRecord(r.Id, r.Spec, r.CreatedMs, r.LastEvaluatedMs, r.MutedUntilMs, [.. r.Instances.Values])).ToList();
        AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(new AlertFile(AlertFile.CurrentVersion, rules, _history), AnalysisJson.Options));
    }

    private void Load()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        var file = JsonSerializer.Deserialize<AlertFile>(File.ReadAllBytes(_path), AnalysisJson.Options) ?? throw new InvalidDataException($"{_path} is empty");
        if (file.Version != AlertFile.CurrentVersion)
        {
            throw new InvalidDataException($"{_path} has format version {file.Version}; this server reads {AlertFile.CurrentVersion}");
        }

        foreach (var record in file.Rules)
        {
            if (AlertRuleSpecCheck.Check(record.Spec, out var filter) is { } error)
            {
                _logger.LogWarning("Alert rule {Rule} in {Path} is no longer valid and is skipped: {Error}", record.Id, _path, error.Message);
                continue;
            }

            var rule = new AlertRule(record.Id, record.Spec, filter, record.CreatedMs) { LastEvaluatedMs = record.LastEvaluatedMs, MutedUntilMs = record.MutedUntilMs };
            foreach (var instance in record.Instances)
            {
                rule.Instances[instance.GroupKey] = instance;
            }

            _rules[rule.Id] = rule;
        }

        _history.AddRange(file.History.TakeLast(HistoryLimit));
    }
}
