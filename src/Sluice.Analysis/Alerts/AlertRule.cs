using Sluice.Query.Language;

namespace Sluice.Analysis.Alerts;

/// <summary>A rule as the server runs it: definition, compiled filter, silence, and its alerts by group key.</summary>
internal sealed class AlertRule(string id, AlertRuleSpec spec, Filter? filter, long createdMs)
{
    public string Id { get; } = id;

    public AlertRuleSpec Spec { get; } = spec;

    public Filter? Filter { get; } = filter;

    public long CreatedMs { get; } = createdMs;

    public long LastEvaluatedMs { get; set; }

    /// <summary>Notifications are held back until then (still recorded in the history).</summary>
    public long? MutedUntilMs { get; set; }

    public string? LastError { get; set; }

    public Dictionary<string, AlertInstance> Instances { get; } = new(StringComparer.Ordinal);

    public bool IsMuted(long nowMs) => MutedUntilMs is { } until && nowMs < until;
}
