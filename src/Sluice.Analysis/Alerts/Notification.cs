using Sluice.Analysis.Monitors;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// What a channel is told: the alert's state and its evidence — the query, the figures, sample events with their
/// pattern, and a link to the dashboard's explorer on that query. <see cref="Id"/> is the same for a firing and
/// its resolution; each delivery adds its own id so a receiver can drop a repeat.
/// </summary>
internal sealed record Notification(
    string Id,
    string RuleId,
    string RuleName,
    AlertKind Kind,
    string GroupKey,
    string State,
    string Severity,
    long StartsAtMs,
    long? EndsAtMs,
    long AtMs,
    string Summary,
    string? Query,
    IReadOnlyDictionary<string, double> Figures,
    IReadOnlyList<SampleEvent> Samples,
    string Link,
    IReadOnlyDictionary<string, string> Labels)
{
    public static string SeverityOf(AlertKind kind, double value) =>
        kind == AlertKind.Monitor && value >= (int)MonitorStatus.Critical ? "critical" : "warning";
}
