namespace Sluice.Analysis.Alerts;

/// <summary>A rule and its alerts as <c>meta/alerts.json</c> keeps them.</summary>
internal sealed record AlertRuleRecord(string Id, AlertRuleSpec Spec, long CreatedMs, long LastEvaluatedMs, long? MutedUntilMs, List<AlertInstance> Instances);

/// <summary>The whole file: the rules with their state, and the history (newest last).</summary>
internal sealed record AlertFile(int Version, List<AlertRuleRecord> Rules, List<AlertEvent> History)
{
    public const int CurrentVersion = 1;
}
